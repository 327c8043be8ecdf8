// The browser's time zone, for the server to show times in (accounts.middleware): kept
// in the "tz" cookie. An account's own time zone setting comes first.
//
// A page rendered before the server knew the browser's zone (a visitor's first page, or a
// browser that has moved since) shows its times in that zone at once: each <time> the
// server wrote in the viewer's zone (`{% when %}`: a datetime and a UTC title) is written
// again here, in the same form. Not when the account chose its zone.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
    return;
  }

  function localise() {
    var format;
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
        timeZoneName: "short"
      });
    } catch (error) {
      return;
    }
    var times = document.querySelectorAll("time[datetime][title]");
    for (var i = 0; i < times.length; i++) {
      var moment = new Date(times[i].getAttribute("datetime"));
      if (isNaN(moment.getTime())) {
        continue;
      }
      var parts = {};
      format.formatToParts(moment).forEach(function (part) {
        parts[part.type] = part.value;
      });
      times[i].textContent = parts.year + "-" + parts.month + "-" + parts.day + " " +
        parts.hour + ":" + parts.minute + " " + parts.timeZoneName;
    }
  }

  var root = document.documentElement;
  if (root.getAttribute("data-time-zone") !== zone && !root.hasAttribute("data-time-zone-chosen")) {
    localise();
  }

  var current = document.cookie.split("; ").filter(function (part) {
    return part.indexOf("tz=") === 0;
  })[0];
  if (current === "tz=" + zone) {
    return;
  }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
