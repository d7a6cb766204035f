// The console page: one self-contained HTML document (inline CSS and JS, no
// external assets, no build step). Messages are built with DOM nodes and
// textContent only, so nothing from the server is ever parsed as HTML.
// The script is written without backticks and `${`: it lives in String.raw.

export function consolePage(nonce: string): string {
  return String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>affiliate-empire console</title>
<link rel="icon" href="data:,">
<style>
  :root { --bg:#f4f5f7; --card:#fff; --ink:#1d1c1d; --muted:#616061; --line:#e1e2e5; --accent:#1264a3; --ok:#007a5a; --bad:#c0392b; --mine:#e8f1fb; }
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; color: var(--ink); background: var(--bg); display: flex; flex-direction: column; }
  header { display: flex; align-items: center; gap: .6rem; padding: .6rem 1rem; background: #3f0e40; color: #fff; }
  header h1 { font-size: 1rem; margin: 0; font-weight: 700; }
  header .channel { opacity: .75; font-size: .9rem; }
  header .status { margin-left: auto; font-size: .8rem; opacity: .9; display: flex; align-items: center; gap: .35rem; }
  header .dot { width: .6rem; height: .6rem; border-radius: 50%; background: #999; display: inline-block; }
  header .dot.ok { background: #2bac76; } header .dot.bad { background: #e01e5a; }
  #feed { flex: 1; overflow-y: auto; padding: 1rem; display: flex; flex-direction: column; gap: .6rem; }
  .empty { color: var(--muted); text-align: center; margin-top: 3rem; }
  .item { max-width: 46rem; width: 100%; }
  .group { display: flex; flex-direction: column; gap: .6rem; }
  .item.mine { align-self: flex-end; max-width: 34rem; width: auto; }
  .bubble { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: .6rem .8rem; box-shadow: 0 1px 1px rgba(0,0,0,.03); }
  .mine .bubble { background: var(--mine); border-color: #c9def4; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; }
  .item.ephemeral .bubble { border-style: dashed; background: #fbfbfc; }
  .meta { font-size: .75rem; color: var(--muted); margin: 0 0 .2rem .2rem; display: flex; gap: .4rem; align-items: baseline; }
  .meta b { color: var(--ink); }
  .meta .eph { font-style: italic; }
  .mine .meta { justify-content: flex-end; margin-right: .2rem; }
  .kind-workflow_failed .bubble { border-left: 4px solid var(--bad); }
  .kind-approval_requested .bubble { border-left: 4px solid var(--accent); }
  .kind-weekly_report .bubble { border-left: 4px solid var(--ok); }
  .blk + .blk { margin-top: .45rem; }
  .hdr { font-weight: 700; font-size: 1.02rem; }
  .txt { white-space: pre-wrap; overflow-wrap: anywhere; }
  .ctx { font-size: .8rem; color: var(--muted); white-space: pre-wrap; overflow-wrap: anywhere; }
  .fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .3rem .9rem; }
  .fields .lbl { font-size: .75rem; color: var(--muted); font-weight: 600; }
  .fields .val { overflow-wrap: anywhere; }
  code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85em; background: #f1f1f3; border: 1px solid #e3e3e6; border-radius: 3px; padding: 0 .25em; color: #c01343; }
  a { color: var(--accent); }
  video, .img { display: block; max-width: 100%; max-height: 22rem; border-radius: .4rem; background: #000; }
  .img { background: transparent; border: 1px solid var(--line); }
  .btns { display: flex; gap: .5rem; flex-wrap: wrap; }
  .btn { font: inherit; font-size: .9rem; font-weight: 600; padding: .3rem .9rem; border-radius: .3rem; border: 1px solid #bbb; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; display: inline-block; }
  .btn:hover { background: #f6f6f6; }
  .btn.primary { background: var(--ok); border-color: var(--ok); color: #fff; }
  .btn.danger { background: #fff; border-color: var(--bad); color: var(--bad); }
  .btn:disabled { opacity: .5; cursor: progress; }
  form#box { display: flex; gap: .5rem; padding: .7rem 1rem; background: var(--card); border-top: 1px solid var(--line); }
  #cmd { flex: 1; font: 15px ui-monospace, "DejaVu Sans Mono", monospace; padding: .55rem .7rem; border: 1px solid #bbb; border-radius: .4rem; }
  #cmd:focus { outline: 2px solid #1d9bd1; border-color: transparent; }
  #send { font: inherit; font-weight: 600; padding: 0 1.1rem; border: 0; border-radius: .4rem; background: var(--ok); color: #fff; cursor: pointer; }
  #error { color: var(--bad); font-size: .85rem; padding: 0 1rem .5rem; background: var(--card); }
  #error:empty { display: none; }
  #login { position: fixed; inset: 0; background: rgba(29,28,29,.55); display: none; align-items: center; justify-content: center; }
  #login.show { display: flex; }
  #login form { background: #fff; padding: 1.4rem; border-radius: .6rem; width: min(26rem, 92vw); display: flex; flex-direction: column; gap: .7rem; }
  #login input { font: inherit; padding: .5rem; border: 1px solid #bbb; border-radius: .3rem; }
  #login button { font: inherit; font-weight: 600; padding: .5rem; border: 0; border-radius: .3rem; background: var(--ok); color: #fff; cursor: pointer; }
  #login .why { color: var(--bad); font-size: .85rem; }
</style>
</head>
<body>
<header><h1>affiliate-empire</h1><span class="channel"># console</span><span class="status"><span class="dot" id="dot"></span><span id="conn">connecting…</span></span></header>
<main id="feed" aria-live="polite"><div class="empty" id="empty">No messages yet. Try <code>/daily-loop start max:2</code> or <code>/affiliate-help</code>.</div></main>
<div id="error" role="alert"></div>
<form id="box" autocomplete="off">
  <input id="cmd" name="cmd" placeholder="/daily-loop start max:2   (/affiliate-help lists the commands)" aria-label="Command" spellcheck="false" autofocus>
  <button id="send" type="submit">Send</button>
</form>
<div id="login" role="dialog" aria-modal="true" aria-labelledby="login-title">
  <form id="login-form">
    <strong id="login-title">This console is protected</strong>
    <span>Enter the API token (the value of <code>API_TOKEN</code>). It is kept for this browser tab only.</span>
    <span class="why" id="login-why"></span>
    <input id="token" type="password" placeholder="API token" autocomplete="current-password">
    <button type="submit">Unlock</button>
  </form>
</div>
<script nonce="${nonce}">
(function () {
  'use strict';
  var TOKEN_KEY = 'affiliate-empire.console.token';
  var POLL_MS = 1500, OVERLAP_MS = 10000, FULL_EVERY = 20;
  var feedEl = document.getElementById('feed');
  var emptyEl = document.getElementById('empty');
  var errorEl = document.getElementById('error');
  var cmdEl = document.getElementById('cmd');
  var dotEl = document.getElementById('dot');
  var connEl = document.getElementById('conn');
  var loginEl = document.getElementById('login');
  var items = new Map(); // id -> { item, json, el }
  var cursor = null, polls = 0, timer = null, locked = false;
  var history = [], historyPos = -1;

  function token() { try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; } }

  function api(method, path, body) {
    var headers = { accept: 'application/json' };
    var t = token();
    if (t) headers.authorization = 'Bearer ' + t;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (r.status === 401) { askToken(data && data.error ? data.error.message : ''); throw new Error('unauthorized'); }
        if (!r.ok) { var err = new Error(data && data.error ? data.error.message : 'HTTP ' + r.status); err.status = r.status; throw err; }
        return data;
      });
    });
  }

  function askToken(why) {
    locked = true;
    document.getElementById('login-why').textContent = token() ? (why || 'The token was not accepted.') : '';
    loginEl.classList.add('show');
    document.getElementById('token').focus();
    setConn(false, 'locked');
  }
  document.getElementById('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var v = document.getElementById('token').value.trim();
    if (!v) return;
    try { sessionStorage.setItem(TOKEN_KEY, v); } catch (err) { /* private mode: kept for this page only */ }
    loginEl.classList.remove('show');
    locked = false;
    cursor = null;
    startSession();
  });

  // With a token, a session cookie lets the page's <video> and <img> load private media (they cannot send a header).
  function startSession() {
    if (!token()) { poll(); return; }
    api('POST', '/console/session', {}).then(function () { poll(); }, function () { /* askToken already shown on 401 */ });
  }

  function setConn(ok, text) { dotEl.className = 'dot ' + (ok ? 'ok' : 'bad'); connEl.textContent = text; }

  // ---- safe rendering: DOM nodes and textContent only ----
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function safeUrl(u) {
    if (typeof u !== 'string') return null;
    if (/^\/(?!\/)/.test(u)) return u;
    try { var p = new URL(u); return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : null; } catch (e) { return null; }
  }
  var BT = String.fromCharCode(96);
  // <url|label>, <url>, backtick code, *bold*, _italic_, bare http(s) links
  var INLINE = new RegExp('<((?:https?://|/)[^\\s|>]+)(?:\\|([^>]+))?>|' + BT + '([^' + BT + '\\n]+)' + BT + '|\\*([^*\\n]+)\\*|(?:^|(?<=[\\s(]))_([^_\\n]+)_(?=$|[\\s.,;:!?)])|(https?://[^\\s<>]+[^\\s<>.,;:!?)])', 'g');
  // Text from outside arrives with & < > as entities (so it never forms a link): shown as the characters.
  function dec(s) { return String(s).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'); }
  function mrkdwn(parent, s) {
    s = String(s == null ? '' : s);
    var last = 0, m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(s))) {
      if (m.index > last) parent.appendChild(document.createTextNode(dec(s.slice(last, m.index))));
      if (m[1] !== undefined) link(parent, m[1], dec(m[2] || m[1]));
      else if (m[3] !== undefined) parent.appendChild(el('code', '', dec(m[3])));
      else if (m[4] !== undefined) parent.appendChild(el('b', '', dec(m[4])));
      else if (m[5] !== undefined) parent.appendChild(el('i', '', dec(m[5])));
      else link(parent, m[6], m[6]);
      last = INLINE.lastIndex;
      if (m[0] === '') INLINE.lastIndex++;
    }
    if (last < s.length) parent.appendChild(document.createTextNode(dec(s.slice(last))));
    return parent;
  }
  function link(parent, url, label) {
    var u = safeUrl(url);
    if (!u) { parent.appendChild(document.createTextNode(label)); return; }
    var a = el('a', '', label); a.href = u; a.target = '_blank'; a.rel = 'noopener noreferrer'; parent.appendChild(a);
  }

  function renderMessage(msg, itemId) {
    var box = el('div', 'bubble');
    var blocks = msg && Array.isArray(msg.blocks) && msg.blocks.length ? msg.blocks : [{ type: 'text', text: (msg && msg.text) || '' }];
    blocks.forEach(function (b) {
      var n;
      switch (b.type) {
        case 'header': n = mrkdwn(el('div', 'blk hdr'), b.text); break;
        case 'text': n = mrkdwn(el('div', 'blk txt'), b.text); break;
        case 'context': n = mrkdwn(el('div', 'blk ctx'), b.text); break;
        case 'fields':
          n = el('div', 'blk fields');
          (b.fields || []).forEach(function (f) { var c = el('div'); c.appendChild(el('div', 'lbl', f.label)); c.appendChild(mrkdwn(el('div', 'val'), f.value)); n.appendChild(c); });
          break;
        case 'image': {
          var src = safeUrl(b.url); if (!src) return;
          n = el('div', 'blk'); var img = el('img', 'img'); img.src = src; img.alt = dec(b.alt || ''); img.loading = 'lazy'; n.appendChild(img);
          break;
        }
        case 'video': {
          var vsrc = safeUrl(b.url); if (!vsrc) return;
          n = el('div', 'blk'); var v = el('video'); v.controls = true; v.preload = 'metadata'; v.src = vsrc; v.title = dec(b.title || '');
          var poster = safeUrl(b.posterUrl); if (poster) v.poster = poster;
          n.appendChild(v);
          break;
        }
        case 'buttons':
          n = el('div', 'blk btns');
          (b.buttons || []).forEach(function (btn) {
            var style = btn.style === 'primary' || btn.style === 'danger' ? ' ' + btn.style : '';
            var u = btn.url ? safeUrl(btn.url) : null;
            if (btn.url) {
              if (!u) return;
              var a = el('a', 'btn' + style, btn.label); a.href = u; a.target = '_blank'; a.rel = 'noopener noreferrer'; n.appendChild(a);
            } else {
              var x = el('button', 'btn' + style, btn.label); x.type = 'button'; x.setAttribute('data-action-id', btn.actionId); x.setAttribute('data-item-id', itemId); n.appendChild(x);
            }
          });
          break;
        default:
          if (b.text) n = mrkdwn(el('div', 'blk txt'), b.text); else return;
      }
      box.appendChild(n);
    });
    return box;
  }

  function time(iso) { var d = new Date(iso); return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }

  function renderItem(item) {
    var kindCls = ' kind-' + String(item.kind).replace(/[^a-z0-9_-]/gi, '');
    var bot = el('div', 'item' + (item.visibility === 'ephemeral' ? ' ephemeral' : '') + kindCls);
    var meta = el('div', 'meta');
    meta.appendChild(el('b', '', 'affiliate-empire'));
    meta.appendChild(el('span', '', time(item.at)));
    if (item.visibility === 'ephemeral') meta.appendChild(el('span', 'eph', 'only visible to you'));
    bot.appendChild(meta);
    bot.appendChild(renderMessage(item.message, item.id));
    if (!(item.kind === 'reply' && item.command)) { bot.setAttribute('data-id', item.id); return bot; }
    // A command reply: the command as typed, then the reply.
    var group = el('div', 'group');
    group.setAttribute('data-id', item.id);
    var mine = el('div', 'item mine');
    var mm = el('div', 'meta'); mm.appendChild(el('b', '', 'you')); mm.appendChild(el('span', '', time(item.at))); mine.appendChild(mm);
    mine.appendChild(el('div', 'bubble', item.command));
    group.appendChild(mine);
    group.appendChild(bot);
    return group;
  }

  function upsert(item) {
    if (!item || !item.id) return false;
    var json = JSON.stringify([item.at, item.kind, item.visibility, item.command, item.message]);
    var cur = items.get(item.id);
    if (cur && cur.json === json) return false;
    var node = renderItem(item);
    if (cur) { feedEl.replaceChild(node, cur.el); cur.el = node; cur.json = json; cur.item = item; return true; }
    // Insert in order of (at, id); almost always at the end.
    var next = null;
    items.forEach(function (o) { if ((o.item.at > item.at || (o.item.at === item.at && o.item.id > item.id)) && (!next || o.item.at < next.item.at || (o.item.at === next.item.at && o.item.id < next.item.id))) next = o; });
    feedEl.insertBefore(node, next ? next.el : null);
    items.set(item.id, { item: item, json: json, el: node });
    if (emptyEl.parentNode) emptyEl.remove();
    return true;
  }

  function nearBottom() { return feedEl.scrollHeight - feedEl.scrollTop - feedEl.clientHeight < 120; }
  function apply(list, forceScroll) {
    var stick = forceScroll || nearBottom(), changed = false;
    (list || []).forEach(function (it) { changed = upsert(it) || changed; });
    if (changed && stick) feedEl.scrollTop = feedEl.scrollHeight;
  }

  function poll() {
    clearTimeout(timer);
    if (locked) return;
    var full = cursor === null || polls++ % FULL_EVERY === 0;
    var q = full ? '' : '?after=' + encodeURIComponent(new Date(Date.parse(cursor) - OVERLAP_MS).toISOString());
    api('GET', '/console/feed' + q).then(function (data) {
      cursor = data.now;
      apply(data.items, false);
      setConn(true, 'live');
    }).catch(function (e) {
      if (e.message !== 'unauthorized') setConn(false, 'offline: retrying');
    }).then(function () { if (!locked) timer = setTimeout(poll, POLL_MS); });
  }

  function showError(text) { errorEl.textContent = text || ''; }

  document.getElementById('box').addEventListener('submit', function (e) {
    e.preventDefault();
    var text = cmdEl.value.trim();
    if (!text) { showError('Type a command, e.g. /daily-loop start max:2 (or /affiliate-help).'); return; }
    showError('');
    cmdEl.value = '';
    history.push(text); historyPos = -1;
    cmdEl.disabled = true;
    api('POST', '/console/command', { text: text }).then(function (r) {
      apply([{ id: r.id, at: r.at, updatedAt: r.at, kind: 'reply', visibility: r.visibility, command: text, message: r.message }], true);
    }).catch(function (err) {
      if (err.message !== 'unauthorized') showError(err.message);
      cmdEl.value = text;
    }).then(function () { cmdEl.disabled = false; cmdEl.focus(); });
  });

  cmdEl.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowUp' && history.length) {
      historyPos = historyPos < 0 ? history.length - 1 : Math.max(0, historyPos - 1);
      cmdEl.value = history[historyPos]; e.preventDefault();
    } else if (e.key === 'ArrowDown' && historyPos >= 0) {
      historyPos = historyPos + 1 < history.length ? historyPos + 1 : -1;
      cmdEl.value = historyPos < 0 ? '' : history[historyPos]; e.preventDefault();
    }
  });

  feedEl.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-action-id]');
    if (!b) return;
    var card = b.closest('.btns');
    var buttons = card ? card.querySelectorAll('button') : [b];
    Array.prototype.forEach.call(buttons, function (x) { x.disabled = true; });
    var itemId = b.getAttribute('data-item-id');
    api('POST', '/console/action', { actionId: b.getAttribute('data-action-id'), itemId: itemId }).then(function (r) {
      var cur = items.get(itemId);
      if (r.replaceOriginal && cur) {
        var replaced = Object.assign({}, cur.item, { message: r.replaceOriginal });
        upsert(replaced);
      }
      apply([{ id: r.id, at: r.at, updatedAt: r.at, kind: 'reply', visibility: r.visibility, message: r.message }], true);
    }).catch(function (err) {
      Array.prototype.forEach.call(buttons, function (x) { x.disabled = false; });
      if (err.message !== 'unauthorized') showError(err.message);
    });
  });

  startSession();
})();
</script>
</body>
</html>
`;
}
