// The console page: one HTML document with inline CSS and one script,
// client.js (plain browser JavaScript checked by tsc, served as-is at
// GET /console/client.js: no build step). The page's CSP allows only scripts
// carrying this response's nonce, so the script tag carries it too.

export function consolePage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>affiliate-empire console</title>
<link rel="icon" href="data:,">
<script src="/console/client.js" nonce="${nonce}" defer></script>
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
  .kind-provider_alert .bubble { border-left: 4px solid var(--bad); }
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
</body>
</html>
`;
}
