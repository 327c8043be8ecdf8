// The browser's time zone, for the server to show times in (accounts.middleware): kept
// in the "tz" cookie. An account's own time zone setting comes first.
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
  var current = document.cookie.split("; ").filter(function (part) {
    return part.indexOf("tz=") === 0;
  })[0];
  if (current === "tz=" + zone) {
    return;
  }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
