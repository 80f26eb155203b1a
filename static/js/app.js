/*
 * UmbriaSemplice — optional progressive enhancement. The portal works without it.
 * - Feedback widget: in browsers without CSS :has(), show only the follow-up question
 *   that matches the chosen rating (1-3 negative, 4-5 positive).
 * - Feedback textarea: live count of the characters left.
 * No inline styles are set (CSP without 'unsafe-inline'): only the hidden attribute.
 */
(function () {
  'use strict';

  // Loaded (deferred) before the Bootstrap Italia bundle: tell the bundled video.js not to
  // inject its default <style> element, which a CSP without 'unsafe-inline' would block.
  window.VIDEOJS_NO_DYNAMIC_STYLE = true;

  function hasSelectorSupport() {
    try {
      return typeof CSS !== 'undefined' && CSS.supports && CSS.supports('selector(:has(*))');
    } catch (e) {
      return false;
    }
  }

  function setupFeedback(box) {
    var positive = box.querySelector('[data-element="feedback-rating-positive"]');
    var negative = box.querySelector('[data-element="feedback-rating-negative"]');
    var details = box.querySelector('[data-feedback-details]');
    var ratings = box.querySelectorAll('input[name="rating"]');

    if (!hasSelectorSupport() && positive && negative) {
      var update = function () {
        var checked = box.querySelector('input[name="rating"]:checked');
        var value = checked ? parseInt(checked.value, 10) : 0;
        positive.hidden = !(value > 3);
        negative.hidden = !(value > 0 && value <= 3);
        if (details) {
          details.hidden = value === 0;
        }
      };
      for (var i = 0; i < ratings.length; i++) {
        ratings[i].addEventListener('change', update);
      }
      update();
    }

    var text = box.querySelector('[data-element="feedback-input-text"]');
    var help = text && document.getElementById(text.getAttribute('aria-describedby'));
    var max = text && parseInt(text.getAttribute('maxlength'), 10);
    if (text && help && max > 0) {
      var base = help.textContent;
      var count = function () {
        var left = max - text.value.length;
        help.textContent = base + ' Caratteri disponibili: ' + left + '.';
      };
      text.addEventListener('input', count);
    }
  }

  function init() {
    var boxes = document.querySelectorAll('[data-element="feedback"]');
    for (var i = 0; i < boxes.length; i++) {
      setupFeedback(boxes[i]);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
