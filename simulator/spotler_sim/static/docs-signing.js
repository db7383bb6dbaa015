// Signs the docs page's "Try it out" calls with OAuth 1.0a HMAC-SHA1 (two-legged, no token),
// computed in the browser by Web Crypto with the Key and Secret picked above the page.
(function () {
  "use strict";
  var text = new TextEncoder();

  // RFC 3986 percent-encoding, as RFC 5849 asks: encodeURIComponent leaves !'()* alone.
  function enc(value) {
    return encodeURIComponent(value).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  function dec(value) {
    return decodeURIComponent(value.replace(/\+/g, " "));
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  async function hmacSha1(key, message) {
    var secret = await crypto.subtle.importKey(
      "raw", text.encode(key), {name: "HMAC", hash: "SHA-1"}, false, ["sign"]);
    var mac = new Uint8Array(await crypto.subtle.sign("HMAC", secret, text.encode(message)));
    return btoa(String.fromCharCode.apply(null, mac));
  }

  function byNameThenValue(a, b) {
    if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  }

  // The Authorization header for METHOD on URL (RFC 5849 section 3.4: the base string holds
  // the method, the URL without its query, and every query and oauth_ parameter, sorted).
  async function authorization(method, url, key, secret) {
    var target = new URL(url, window.location.href);
    var oauth = {
      oauth_consumer_key: key,
      oauth_nonce: nonce(),
      oauth_signature_method: "HMAC-SHA1",
      oauth_timestamp: String(Math.floor(Date.now() / 1000)),
      oauth_version: "1.0",
    };
    var params = [];
    target.search.slice(1).split("&").forEach(function (part) {
      if (!part) return;
      var at = part.indexOf("=");
      params.push(at < 0 ? [dec(part), ""] : [dec(part.slice(0, at)), dec(part.slice(at + 1))]);
    });
    Object.keys(oauth).forEach(function (name) { params.push([name, oauth[name]]); });
    var normalized = params
      .map(function (p) { return [enc(p[0]), enc(p[1])]; })
      .sort(byNameThenValue)
      .map(function (p) { return p[0] + "=" + p[1]; })
      .join("&");
    var base = [method.toUpperCase(), enc(target.protocol + "//" + target.host + target.pathname),
                enc(normalized)].join("&");
    oauth.oauth_signature = await hmacSha1(enc(secret) + "&", base);
    return "OAuth " + Object.keys(oauth).map(function (name) {
      return name + '="' + enc(oauth[name]) + '"';
    }).join(", ");
  }

  // Swagger UI's requestInterceptor: only calls of the Spotler API are signed.
  window.spotlerSign = async function (request) {
    var path = new URL(request.url, window.location.href).pathname;
    if (!path.startsWith("/integrationservice")) return request;
    var note = document.getElementById("sim-signing-note");
    if (!window.crypto || !crypto.subtle) {
      note.textContent = "this browser signs only on http://127.0.0.1 or localhost, or over https";
      return request;
    }
    var key = document.getElementById("sim-key").value.trim();
    var secret = document.getElementById("sim-secret").value.trim();
    request.headers.Accept = document.getElementById("sim-accept").value;
    request.headers.Authorization = await authorization(request.method, request.url, key, secret);
    note.textContent = "signed as " + key;
    return request;
  };

  // Picking a Key fills in its Secret (the Keys this page may show: loopback or admin token).
  document.addEventListener("DOMContentLoaded", function () {
    var known = JSON.parse(document.getElementById("sim-secrets").textContent || "[]");
    document.getElementById("sim-key").addEventListener("change", function (event) {
      known.forEach(function (k) {
        if (k.key === event.target.value) document.getElementById("sim-secret").value = k.secret;
      });
    });
  });
})();
