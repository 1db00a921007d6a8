/**
 * The script of the pages that offer passkeys, served as a file under /assets (the CSP of those
 * pages allows scripts from 'self' only, never inline). It reads the WebAuthn options from the
 * form's data-options, calls navigator.credentials, and posts the answer with the form as JSON in
 * its `credential` field; the server checks everything. Messages come from the page (data-msg-*),
 * in the page's language.
 */
export const PASSKEY_SCRIPT_PATH = '/assets/passkeys.js';

export const PASSKEY_SCRIPT = `'use strict';
(function () {
  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function descriptors(list) {
    return (list || []).map(function (c) { return { id: toBytes(c.id), type: c.type, transports: c.transports }; });
  }
  function requestOptions(o) {
    var p = { challenge: toBytes(o.challenge), timeout: o.timeout, rpId: o.rpId, userVerification: o.userVerification };
    if (o.allowCredentials && o.allowCredentials.length) p.allowCredentials = descriptors(o.allowCredentials);
    return p;
  }
  function creationOptions(o) {
    return {
      rp: o.rp, challenge: toBytes(o.challenge), timeout: o.timeout, attestation: o.attestation,
      user: { id: toBytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
      pubKeyCredParams: o.pubKeyCredParams, excludeCredentials: descriptors(o.excludeCredentials),
      authenticatorSelection: o.authenticatorSelection, extensions: { credProps: true }
    };
  }
  function assertionJSON(c) {
    var r = c.response;
    return { id: c.id, rawId: toB64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(),
      response: { clientDataJSON: toB64url(r.clientDataJSON), authenticatorData: toB64url(r.authenticatorData), signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : undefined } };
  }
  function attestationJSON(c) {
    var r = c.response;
    return { id: c.id, rawId: toB64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(),
      response: { clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject),
        transports: typeof r.getTransports === 'function' ? r.getTransports() : [] } };
  }
  function say(form, key) {
    var status = form.querySelector('[data-passkey-status]');
    if (status) { status.textContent = form.getAttribute('data-msg-' + key) || ''; status.hidden = false; }
  }
  function post(form, json) {
    form.querySelector('input[name="credential"]').value = JSON.stringify(json);
    form.submit();
  }
  function failed(form, e) {
    if (e && e.name === 'AbortError') return;
    say(form, e && e.name === 'NotAllowedError' ? 'cancelled' : e && e.name === 'InvalidStateError' ? 'exists' : 'failed');
  }
  var supported = typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;
  var conditional = null;

  function startConditional(form, options) {
    if (!supported || typeof PublicKeyCredential.isConditionalMediationAvailable !== 'function') return;
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) return;
      conditional = new AbortController();
      navigator.credentials.get({ publicKey: requestOptions(options), mediation: 'conditional', signal: conditional.signal })
        .then(function (c) { if (c) post(form, assertionJSON(c)); }, function (e) { failed(form, e); });
    });
  }

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var kind = form.getAttribute('data-passkey');
    var options = JSON.parse(form.getAttribute('data-options'));
    var button = form.querySelector('button');
    if (!supported) { say(form, 'unsupported'); if (button) button.disabled = true; return; }
    if (kind === 'sign-in' && form.hasAttribute('data-conditional')) startConditional(form, options);
    form.addEventListener('submit', function (event) {
      if (form.querySelector('input[name="credential"]').value !== '') return;
      event.preventDefault();
      if (conditional) { conditional.abort(); conditional = null; }
      if (kind === 'register') {
        navigator.credentials.create({ publicKey: creationOptions(options) }).then(function (c) { post(form, attestationJSON(c)); }, function (e) { failed(form, e); });
      } else {
        navigator.credentials.get({ publicKey: requestOptions(options) }).then(function (c) { post(form, assertionJSON(c)); }, function (e) { failed(form, e); });
      }
    });
  });
})();
`;
