/* Starts asciinema-player on each [data-cast] element of a trace page.
   Without JavaScript the terminal steps below the player hold the same content. */
(function () {
  'use strict';
  if (!window.AsciinemaPlayer) { return; }
  var nodes = document.querySelectorAll('[data-cast]');
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i];
    var src = el.getAttribute('data-cast');
    el.textContent = '';
    window.AsciinemaPlayer.create(src, el, { fit: 'width', idleTimeLimit: 2, preload: true });
  }
})();
