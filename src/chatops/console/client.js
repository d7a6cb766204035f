// @ts-check
/// <reference lib="dom" />
// The console page's script: plain browser JavaScript, no build step. Served as
// GET /console/client.js (routes.ts) and loaded by the page with its CSP nonce
// (page.ts). tsc checks it (the @ts-check above; tsconfig has allowJs), with
// JSDoc types where inference needs help. Messages are built with DOM nodes and
// textContent only, so nothing from the server is ever parsed as HTML.
(function () {
  'use strict';
  // What the server sends (see routes.ts): the types are checked against it.
  /** @typedef {import('./routes.js').FeedItem} FeedItem */
  /** @typedef {import('./routes.js').ConsoleMessage} ConsoleMessage */
  /** @typedef {import('./routes.js').ConsoleBlock} ConsoleBlock */
  /** @typedef {{ now: string, items: FeedItem[] }} Feed */
  /** @typedef {{ id: string, at: string, visibility: FeedItem['visibility'], message: ConsoleMessage, replaceOriginal?: ConsoleMessage }} ReplyBody */
  /** @typedef {{ item: FeedItem, json: string, el: HTMLElement }} Shown */

  var TOKEN_KEY = 'affiliate-empire.console.token';
  var POLL_MS = 1500,
    OVERLAP_MS = 10000,
    FULL_EVERY = 20;
  // The page's own elements (page.ts): always there.
  var feedEl = /** @type {HTMLElement} */ (document.getElementById('feed'));
  var emptyEl = /** @type {HTMLElement} */ (document.getElementById('empty'));
  var errorEl = /** @type {HTMLElement} */ (document.getElementById('error'));
  var cmdEl = /** @type {HTMLInputElement} */ (document.getElementById('cmd'));
  var dotEl = /** @type {HTMLElement} */ (document.getElementById('dot'));
  var connEl = /** @type {HTMLElement} */ (document.getElementById('conn'));
  var loginEl = /** @type {HTMLElement} */ (document.getElementById('login'));
  var loginWhyEl = /** @type {HTMLElement} */ (document.getElementById('login-why'));
  var tokenEl = /** @type {HTMLInputElement} */ (document.getElementById('token'));
  /** @type {Map<string, Shown>} */
  var items = new Map(); // id -> { item, json, el }
  /** @type {string | null} */
  var cursor = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  var timer;
  var polls = 0,
    locked = false;
  /** @type {string[]} */
  var history = [];
  var historyPos = -1;

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>} the JSON body (null if empty)
   */
  function api(method, path, body) {
    /** @type {Record<string, string>} */
    var headers = { accept: 'application/json' };
    var t = token();
    if (t) headers.authorization = 'Bearer ' + t;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try {
          if (text) data = JSON.parse(text);
        } catch (e) {
          /* not JSON: data stays null */
        }
        if (r.status === 401) {
          askToken(data && data.error ? data.error.message : '');
          throw new Error('unauthorized');
        }
        if (!r.ok) {
          var err = /** @type {Error & { status?: number }} */ (new Error(data && data.error ? data.error.message : 'HTTP ' + r.status));
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  /** @param {string} why */
  function askToken(why) {
    locked = true;
    loginWhyEl.textContent = token() ? why || 'The token was not accepted.' : '';
    loginEl.classList.add('show');
    tokenEl.focus();
    setConn(false, 'locked');
  }
  /** @type {HTMLFormElement} */ (document.getElementById('login-form')).addEventListener('submit', function (e) {
    e.preventDefault();
    var v = tokenEl.value.trim();
    if (!v) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, v);
    } catch (err) {
      /* private mode: kept for this page only */
    }
    loginEl.classList.remove('show');
    locked = false;
    cursor = null;
    startSession();
  });

  // With a token, a session cookie lets the page's <video> and <img> load private media (they cannot send a header).
  function startSession() {
    if (!token()) {
      poll();
      return;
    }
    api('POST', '/console/session', {}).then(
      function () {
        poll();
      },
      function () {
        /* askToken already shown on 401 */
      },
    );
  }

  /** @param {boolean} ok @param {string} text */
  function setConn(ok, text) {
    dotEl.className = 'dot ' + (ok ? 'ok' : 'bad');
    connEl.textContent = text;
  }

  // ---- safe rendering: DOM nodes and textContent only ----
  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {string} [cls]
   * @param {string} [text]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /** @param {unknown} u @returns {string | null} an http(s) or same-origin URL, else null */
  function safeUrl(u) {
    if (typeof u !== 'string') return null;
    if (/^\/(?!\/)/.test(u)) return u;
    try {
      var p = new URL(u);
      return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : null;
    } catch (e) {
      return null;
    }
  }
  var BT = String.fromCharCode(96);
  // <url|label>, <url>, backtick code, *bold*, _italic_, bare http(s) links
  var INLINE = new RegExp(
    '<((?:https?://|/)[^\\s|>]+)(?:\\|([^>]+))?>|' +
      BT +
      '([^' +
      BT +
      '\\n]+)' +
      BT +
      '|\\*([^*\\n]+)\\*|(?:^|(?<=[\\s(]))_([^_\\n]+)_(?=$|[\\s.,;:!?)])|(https?://[^\\s<>]+[^\\s<>.,;:!?)])',
    'g',
  );
  // Text from outside arrives with & < > as entities (so it never forms a link): shown as the characters.
  /** @param {unknown} s */
  function dec(s) {
    return String(s).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  /**
   * @template {HTMLElement} E
   * @param {E} parent
   * @param {string | null | undefined} s
   * @returns {E}
   */
  function mrkdwn(parent, s) {
    s = String(s == null ? '' : s);
    var last = 0,
      m;
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
  /** @param {HTMLElement} parent @param {string} url @param {string} label */
  function link(parent, url, label) {
    var u = safeUrl(url);
    if (!u) {
      parent.appendChild(document.createTextNode(label));
      return;
    }
    var a = el('a', '', label);
    a.href = u;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    parent.appendChild(a);
  }

  /** @param {ConsoleMessage} msg @param {string} itemId */
  function renderMessage(msg, itemId) {
    var box = el('div', 'bubble');
    /** @type {ConsoleBlock[]} */
    var blocks = msg && Array.isArray(msg.blocks) && msg.blocks.length ? msg.blocks : [{ type: 'text', text: (msg && msg.text) || '' }];
    blocks.forEach(function (b) {
      /** @type {HTMLElement} */
      var n;
      switch (b.type) {
        case 'header':
          n = mrkdwn(el('div', 'blk hdr'), b.text);
          break;
        case 'text':
          n = mrkdwn(el('div', 'blk txt'), b.text);
          break;
        case 'context':
          n = mrkdwn(el('div', 'blk ctx'), b.text);
          break;
        case 'fields':
          n = el('div', 'blk fields');
          (b.fields || []).forEach(function (f) {
            var c = el('div');
            c.appendChild(el('div', 'lbl', f.label));
            c.appendChild(mrkdwn(el('div', 'val'), f.value));
            n.appendChild(c);
          });
          break;
        case 'image': {
          var src = safeUrl(b.url);
          if (!src) return;
          n = el('div', 'blk');
          var img = el('img', 'img');
          img.src = src;
          img.alt = dec(b.alt || '');
          img.loading = 'lazy';
          n.appendChild(img);
          break;
        }
        case 'video': {
          var vsrc = safeUrl(b.url);
          if (!vsrc) return;
          n = el('div', 'blk');
          var v = el('video');
          v.controls = true;
          v.preload = 'metadata';
          v.src = vsrc;
          v.title = dec(b.title || '');
          var poster = safeUrl(b.posterUrl);
          if (poster) v.poster = poster;
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
              var a = el('a', 'btn' + style, btn.label);
              a.href = u;
              a.target = '_blank';
              a.rel = 'noopener noreferrer';
              n.appendChild(a);
            } else {
              var x = el('button', 'btn' + style, btn.label);
              x.type = 'button';
              x.setAttribute('data-action-id', btn.actionId);
              x.setAttribute('data-item-id', itemId);
              n.appendChild(x);
            }
          });
          break;
        default:
          // A block type this page does not know yet: its text, if it has one.
          var other = /** @type {{ text?: string }} */ (b);
          if (other.text) n = mrkdwn(el('div', 'blk txt'), other.text);
          else return;
      }
      box.appendChild(n);
    });
    return box;
  }

  /** @param {string} iso */
  function time(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  /** @param {FeedItem} item */
  function renderItem(item) {
    var kindCls = ' kind-' + String(item.kind).replace(/[^a-z0-9_-]/gi, '');
    var bot = el('div', 'item' + (item.visibility === 'ephemeral' ? ' ephemeral' : '') + kindCls);
    var meta = el('div', 'meta');
    meta.appendChild(el('b', '', 'affiliate-empire'));
    meta.appendChild(el('span', '', time(item.at)));
    if (item.visibility === 'ephemeral') meta.appendChild(el('span', 'eph', 'only visible to you'));
    bot.appendChild(meta);
    bot.appendChild(renderMessage(item.message, item.id));
    if (!(item.kind === 'reply' && item.command)) {
      bot.setAttribute('data-id', item.id);
      return bot;
    }
    // A command reply: the command as typed, then the reply.
    var group = el('div', 'group');
    group.setAttribute('data-id', item.id);
    var mine = el('div', 'item mine');
    var mm = el('div', 'meta');
    mm.appendChild(el('b', '', 'you'));
    mm.appendChild(el('span', '', time(item.at)));
    mine.appendChild(mm);
    mine.appendChild(el('div', 'bubble', item.command));
    group.appendChild(mine);
    group.appendChild(bot);
    return group;
  }

  /** @param {FeedItem} item @returns {boolean} whether the feed changed */
  function upsert(item) {
    if (!item || !item.id) return false;
    var json = JSON.stringify([item.at, item.kind, item.visibility, item.command, item.message]);
    var cur = items.get(item.id);
    if (cur && cur.json === json) return false;
    var node = renderItem(item);
    if (cur) {
      feedEl.replaceChild(node, cur.el);
      cur.el = node;
      cur.json = json;
      cur.item = item;
      return true;
    }
    // Insert in order of (at, id); almost always at the end.
    var next = /** @type {Shown | null} */ (null);
    items.forEach(function (o) {
      if (
        (o.item.at > item.at || (o.item.at === item.at && o.item.id > item.id)) &&
        (!next || o.item.at < next.item.at || (o.item.at === next.item.at && o.item.id < next.item.id))
      )
        next = o;
    });
    feedEl.insertBefore(node, next ? next.el : null);
    items.set(item.id, { item: item, json: json, el: node });
    if (emptyEl.parentNode) emptyEl.remove();
    return true;
  }

  function nearBottom() {
    return feedEl.scrollHeight - feedEl.scrollTop - feedEl.clientHeight < 120;
  }
  /** @param {FeedItem[] | undefined} list @param {boolean} forceScroll */
  function apply(list, forceScroll) {
    var stick = forceScroll || nearBottom(),
      changed = false;
    (list || []).forEach(function (it) {
      changed = upsert(it) || changed;
    });
    if (changed && stick) feedEl.scrollTop = feedEl.scrollHeight;
  }

  function poll() {
    clearTimeout(timer);
    if (locked) return;
    var full = cursor === null || polls++ % FULL_EVERY === 0;
    var q = full ? '' : '?after=' + encodeURIComponent(new Date(Date.parse(/** @type {string} */ (cursor)) - OVERLAP_MS).toISOString());
    api('GET', '/console/feed' + q)
      .then(
        /** @param {Feed} data */ function (data) {
          cursor = data.now;
          apply(data.items, false);
          setConn(true, 'live');
        },
      )
      .catch(function (e) {
        if (e.message !== 'unauthorized') setConn(false, 'offline: retrying');
      })
      .then(function () {
        if (!locked) timer = setTimeout(poll, POLL_MS);
      });
  }

  /** @param {string} [text] */
  function showError(text) {
    errorEl.textContent = text || '';
  }

  /** @type {HTMLFormElement} */ (document.getElementById('box')).addEventListener('submit', function (e) {
    e.preventDefault();
    var text = cmdEl.value.trim();
    if (!text) {
      showError('Type a command, e.g. /daily-loop start max:2 (or /affiliate-help).');
      return;
    }
    showError('');
    cmdEl.value = '';
    history.push(text);
    historyPos = -1;
    cmdEl.disabled = true;
    api('POST', '/console/command', { text: text })
      .then(
        /** @param {ReplyBody} r */ function (r) {
          apply([{ id: r.id, at: r.at, updatedAt: r.at, kind: 'reply', visibility: r.visibility, command: text, message: r.message }], true);
        },
      )
      .catch(function (err) {
        if (err.message !== 'unauthorized') showError(err.message);
        cmdEl.value = text;
      })
      .then(function () {
        cmdEl.disabled = false;
        cmdEl.focus();
      });
  });

  cmdEl.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowUp' && history.length) {
      historyPos = historyPos < 0 ? history.length - 1 : Math.max(0, historyPos - 1);
      cmdEl.value = history[historyPos];
      e.preventDefault();
    } else if (e.key === 'ArrowDown' && historyPos >= 0) {
      historyPos = historyPos + 1 < history.length ? historyPos + 1 : -1;
      cmdEl.value = historyPos < 0 ? '' : history[historyPos];
      e.preventDefault();
    }
  });

  feedEl.addEventListener('click', function (e) {
    var target = /** @type {Element} */ (e.target);
    var b = target.closest && target.closest('button[data-action-id]');
    if (!b) return;
    var card = b.closest('.btns');
    var buttons = card ? card.querySelectorAll('button') : [b];
    Array.prototype.forEach.call(buttons, function (x) {
      x.disabled = true;
    });
    var itemId = /** @type {string} */ (b.getAttribute('data-item-id'));
    api('POST', '/console/action', { actionId: b.getAttribute('data-action-id'), itemId: itemId })
      .then(
        /** @param {ReplyBody} r */ function (r) {
          var cur = items.get(itemId);
          if (r.replaceOriginal && cur) {
            var replaced = Object.assign({}, cur.item, { message: r.replaceOriginal });
            upsert(replaced);
          }
          apply([{ id: r.id, at: r.at, updatedAt: r.at, kind: 'reply', visibility: r.visibility, message: r.message }], true);
        },
      )
      .catch(function (err) {
        Array.prototype.forEach.call(buttons, function (x) {
          x.disabled = false;
        });
        if (err.message !== 'unauthorized') showError(err.message);
      });
  });

  startSession();
})();
