// The tip line's proof of work. Only a caller who sent many reports in the last hour gets a
// challenge with the form; this script answers it while the reporter writes, so that the report
// goes straight through when sent. Without this script the page works by waiting (the wait is
// written on the page). The work: find a number n such that SHA-256(work + ":" + n) starts with
// `bits` zero bits (haven/tips/throttle.py checks it with one hash).
(function (root) {
  "use strict";

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Int32Array(64);

  // The first 32 bits of SHA-256 of an ASCII text of at most 55 characters (one block).
  function firstWord(text) {
    var i;
    for (i = 0; i < 16; i++) {
      W[i] = 0;
    }
    for (i = 0; i < text.length; i++) {
      W[i >> 2] |= text.charCodeAt(i) << (24 - (i % 4) * 8);
    }
    W[text.length >> 2] |= 0x80 << (24 - (text.length % 4) * 8);
    W[15] = text.length * 8;
    for (i = 16; i < 64; i++) {
      var a = W[i - 15];
      var b = W[i - 2];
      var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    var h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    var A = h0, B = h1, C = h2, D = h3, E = h4, F = h5, G = h6, H = h7;
    for (i = 0; i < 64; i++) {
      var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
      var ch = (E & F) ^ (~E & G);
      var t1 = (H + S1 + ch + K[i] + W[i]) | 0;
      var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
      var maj = (A & B) ^ (A & C) ^ (B & C);
      var t2 = (S0 + maj) | 0;
      H = G;
      G = F;
      F = E;
      E = (D + t1) | 0;
      D = C;
      C = B;
      B = A;
      A = (t1 + t2) | 0;
    }
    return (h0 + A) >>> 0;
  }

  // Whether `nonce` answers `work` with `bits` (1 to 32) leading zero bits.
  function solves(work, nonce, bits) {
    return firstWord(work + ":" + nonce) >>> (32 - bits) === 0;
  }

  // Look for the answer from `start`, `chunk` numbers at a time, yielding between chunks so the
  // page stays responsive; calls done(nonce).
  function solve(work, bits, done, start, chunk) {
    var nonce = start || 0;
    var step = chunk || 20000;
    var later = root.setTimeout || function (f) { f(); };
    function round() {
      var end = nonce + step;
      for (; nonce < end; nonce++) {
        if (solves(work, nonce, bits)) {
          done(String(nonce));
          return;
        }
      }
      later(round, 0);
    }
    round();
  }

  root.havenProof = { firstWord: firstWord, solves: solves, solve: solve };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = root.havenProof;
  }
  if (typeof document === "undefined") {
    return;
  }

  var input = document.querySelector("input[name=proof][data-proof-work]");
  if (!input || !input.form) {
    return;
  }
  var form = input.form;
  var status = document.querySelectorAll("[data-proof-status]");
  var token = input.value;
  var ready = false;
  var pending = form.hasAttribute("data-proof-resubmit");

  function say(text) {
    status.forEach(function (node) {
      node.textContent = text;
    });
  }

  function finish(value) {
    if (ready) {
      return;
    }
    ready = true;
    input.value = value;
    if (pending) {
      say(input.getAttribute("data-proof-ready"));
      form.submit();
    } else {
      say(input.getAttribute("data-proof-done"));
    }
  }

  form.addEventListener("submit", function (event) {
    if (!ready) {
      event.preventDefault();
      pending = true;
      say(input.getAttribute("data-proof-busy"));
    }
  });
  if (pending) {
    say(input.getAttribute("data-proof-busy"));
  }
  // Whichever comes first: the work done, or the wait over (then the challenge alone is enough).
  var wait = parseInt(input.getAttribute("data-proof-wait"), 10) || 0;
  setTimeout(function () {
    finish(token);
  }, (wait + 1) * 1000);
  solve(input.getAttribute("data-proof-work"), parseInt(input.getAttribute("data-proof-bits"), 10),
    function (nonce) {
      finish(token + ":" + nonce);
    });
})(typeof window !== "undefined" ? window : globalThis);
