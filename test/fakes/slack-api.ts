// A local fake of Slack's Web API, its file upload flow and the response_url
// endpoint, on 127.0.0.1:<random>. It refuses what Slack refuses (Block Kit
// limits, images Slack's servers could not download, files not yet usable),
// answering with Slack's own error shapes, so tests catch what production would.
//
// Sources for the rules are cited next to each one. Wording of Slack's `errors`
// strings that no source shows verbatim is marked [wording guessed].
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  body: Record<string, any>;
  /** HTTP status (Slack answers refusals with 200 + ok:false; 429 for rate limits). */
  status: number;
  authorization?: string;
  /** Whether Slack answered ok:true. */
  ok: boolean;
  /** The error Slack answered, when ok is false. */
  error?: string;
  /** Slack's detailed `errors` (invalid_blocks). */
  errors?: string[];
}

/** A message accepted on a response_url. */
export interface RecordedResponse {
  id: string;
  body: Record<string, any>;
}

/** Every POST to a response_url, accepted or refused. */
export interface RecordedResponseAttempt extends RecordedResponse {
  status: number;
  ok: boolean;
  error?: string;
  /** Why the fake refused it (Slack's response_url answers carry no detail). */
  errors?: string[];
}

export interface FakeSlackFile {
  id: string;
  filename: string;
  title: string;
  /** The bytes received on the upload URL (empty until uploaded). */
  bytes: Buffer;
  /** bytes.length */
  size: number;
  /** The `length` declared to files.getUploadURLExternal. */
  declaredLength: number;
  /** What Slack would detect (magic bytes first, then the file name). */
  mimetype: string;
  filetype: string;
  altTxt?: string;
  /** Bytes were POSTed to the upload URL. */
  uploaded: boolean;
  /** files.completeUploadExternal succeeded for this file. */
  completed: boolean;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  /** ts of the message that shared the file in `channel`. */
  shareTs?: string;
  /** When the bytes arrived (ms since epoch; 0 if never). */
  uploadedAt: number;
  completedAt?: number;
  /** When Slack's processing of the file is over and slack_file blocks may use it (ms since epoch). */
  readyAt?: number;
  /** Who uploaded it: 'UBOT' for any bot token, otherwise the token itself. */
  owner: string;
  urlPrivate: string;
  permalink: string;
}

/** A message as it stands in a channel: posted by chat.postMessage or a file share. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: any[];
  /** Files shared by this message (files.completeUploadExternal), as Slack's file objects. */
  files?: Record<string, any>[];
  subtype?: 'file_share';
  user: string;
  bot_id: string;
  /** Times chat.update changed it. */
  edits: number;
}

export interface FakeSlackOptions {
  /** How long Slack "processes" an uploaded file before slack_file blocks may use it (default 0). */
  fileProcessingMs?: number;
  /**
   * Longest top-level `text` accepted before `msg_too_long` (default 40,000, the figure on
   * https://docs.slack.dev/reference/methods/chat.postMessage "Truncating content"). Slack staff
   * said in 2024 that the platform now refuses far shorter text, around 4,000 characters
   * (seratch/ChatGPT-in-Slack#102); lower this to test that.
   */
  maxTextChars?: number;
  /**
   * Refuse `slack_file` for a file completed without a channel even when the bot posting it
   * uploaded it. Real Slack has been reported to do this (slackapi/bolt-python#1251,
   * python-slack-sdk#1658, #1797: "invalid slack file" for a private upload), while the docs
   * say the poster's own access is enough; tests cover both (default false).
   */
  refusePrivateSlackFiles?: boolean;
}

export interface FakeSlackApi {
  url: string;
  calls: RecordedCall[];
  /** Messages accepted on response_urls (refused ones are in `responseAttempts`). */
  responses: RecordedResponse[];
  responseAttempts: RecordedResponseAttempt[];
  /** Messages posted to channels and file shares, in order. */
  messages: FakeSlackMessage[];
  /** Files of the upload flow, in the order their upload URL was asked for. */
  files: FakeSlackFile[];
  /** Calls of a Web API method that Slack answered ok:true (i.e. delivered). */
  delivered(method: string): RecordedCall[];
  /** Messages and file shares in `channel` (thread replies included), in order. */
  channelMessages(channel: string): FakeSlackMessage[];
  file(id: string): FakeSlackFile | undefined;
  /** The next call of `method` is answered HTTP 429 with Retry-After: `seconds`. */
  rateLimitOnce(method: string, seconds: number): void;
  /**
   * The next `times` (default 1) calls of `method` are refused with `{ ok: false, error }`
   * (`errors` adds Slack's detail lines). `method` 'response_url' refuses response_url posts.
   */
  failNext(method: string, error: string, opts?: { times?: number; errors?: string[] }): void;
  /**
   * Slack down until `outage('none')`:
   * - '503': every request (Web API, upload URLs) is answered HTTP 503 with no JSON, as Slack's
   *   edge does during an incident (status.slack.com incidents report "503 errors"; Slack's own
   *   SDK retries 5xx as server errors: python-slack-sdk ServerErrorRetryHandler, node-slack-sdk
   *   WebClient answers them with slack_webapi_http_error);
   * - 'refuse': the listening socket is closed, so connections are refused (DNS or network
   *   failure on the way to slack.com looks the same to the client: no HTTP answer at all);
   * - { status: 429, retryAfter }: every Web API call is rate limited, "HTTP 429 Too Many
   *   Requests ... a Retry-After HTTP header containing the number of seconds until you can
   *   retry" (https://docs.slack.dev/apis/web-api/rate-limits).
   * Refused requests are recorded in `calls` with their status (not for 'refuse': nothing arrives).
   */
  outage(mode: 'none' | '503' | 'refuse' | { status: 429; retryAfter: number }): Promise<void>;
  /** Processing time for files completed from now on. */
  setFileProcessingMs(ms: number): void;
  /** See FakeSlackOptions.refusePrivateSlackFiles. */
  setRefusePrivateSlackFiles(on: boolean): void;
  /** Ends processing now for one file (or all). */
  finishProcessing(fileId?: string): void;
  responseUrl(id: string): string;
  close(): Promise<void>;
}

const TEAM = 'TFAKE';
const BOT_USER = 'UBOT';
const BOT_ID = 'BBOT';

/**
 * Slack's documented file size ceiling is 1 GB; files.getUploadURLExternal documents no error
 * of its own for it, so the fake answers the closest documented one,
 * `file_upload_size_restricted` [unverified]
 * (https://docs.slack.dev/reference/methods/files.getUploadURLExternal, Errors).
 */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;
/** `alt_txt_too_large`: "longer than the limit of 1000 character" (files.getUploadURLExternal, Errors). */
const MAX_ALT_TXT = 1000;

export async function startFakeSlackApi(opts: FakeSlackOptions = {}): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  const responseAttempts: RecordedResponseAttempt[] = [];
  const messages: FakeSlackMessage[] = [];
  const files: FakeSlackFile[] = [];
  const filesById = new Map<string, FakeSlackFile>();
  const rateLimits = new Map<string, number>();
  const failures = new Map<string, { error: string; errors?: string[]; remaining: number }[]>();
  let fileProcessingMs = opts.fileProcessingMs ?? 0;
  let refusePrivateSlackFiles = opts.refusePrivateSlackFiles ?? false;
  const maxTextChars = opts.maxTextChars ?? 40_000;
  let outageMode: 'none' | '503' | 'refuse' | { status: 429; retryAfter: number } = 'none';
  let tsCounter = 0;
  let fileCounter = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;
  let url = '';

  const takeFailure = (method: string) => {
    const list = failures.get(method);
    const f = list?.find((x) => x.remaining > 0);
    if (!f) return undefined;
    f.remaining--;
    return f;
  };

  const checkCtx = (identity: string | null): BlockCheckContext => ({ identity, now: Date.now(), filesById, refusePrivateSlackFiles });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e?.stack ?? e));
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBuf: Buffer): Promise<void> {
    const raw = rawBuf.toString('utf8');
    const reqUrl = new URL(req.url ?? '/', 'http://x');
    const contentType = String(req.headers['content-type'] ?? '');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    const outageMethod = /^\/api\/([a-zA-Z.]+)$/.exec(reqUrl.pathname)?.[1];
    if (outageMode === '503') {
      if (outageMethod) calls.push({ method: outageMethod, body: await parseWebApiBody(rawBuf, contentType), status: 503, ok: false, error: 'http_503' });
      res.writeHead(503, { 'content-type': 'text/html' });
      return void res.end('<html><body><h1>503 Service Unavailable</h1></body></html>');
    }
    if (typeof outageMode === 'object' && outageMethod) {
      calls.push({ method: outageMethod, body: await parseWebApiBody(rawBuf, contentType), status: 429, ok: false, error: 'ratelimited' });
      return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(outageMode.retryAfter) });
    }

    // ---- response_url --------------------------------------------------------
    const resp = /^\/response\/([^/]+)$/.exec(reqUrl.pathname);
    if (resp && req.method === 'POST') {
      let body: Record<string, any> = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        body = { _raw: raw };
      }
      const attempt = (status: number, ok: boolean, error?: string, errors?: string[]) => {
        responseAttempts.push({ id: resp[1], body, status, ok, ...(error ? { error } : {}), ...(errors ? { errors } : {}) });
        if (ok) responses.push({ id: resp[1], body });
      };
      const injected = takeFailure('response_url');
      if (injected) {
        attempt(404, false, injected.error, injected.errors);
        return send(404, { ok: false, error: injected.error });
      }
      // A response_url refuses a bad message with HTTP 404 and a bare
      // {"ok":false,"error":"invalid_blocks"}: no `errors` detail
      // (slackapi/java-slack-sdk#1349: `{"code":404,...,"body":"{\"ok\":false,\"error\":\"invalid_blocks\"}"}`).
      // Posted on the app's behalf, so its files count as the bot's own.
      const refusal =
        body.delete_original === true || body.delete_original === 'true'
          ? null
          : validateMessage(body, { requireText: true, maxTextChars }, checkCtx(BOT_USER));
      if (refusal) {
        attempt(404, false, refusal.error, refusal.errors);
        return send(404, { ok: false, error: refusal.error });
      }
      attempt(200, true);
      return send(200, { ok: true });
    }

    // ---- the upload URL of files.getUploadURLExternal -------------------------
    const up = /^\/upload\/(F[A-Z0-9]+)$/.exec(reqUrl.pathname);
    if (up && req.method === 'POST') {
      const f = filesById.get(up[1]);
      if (!f || f.completed) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end('Not Found');
      }
      // "Files can be sent as raw bytes or can be multipart form encoded. Slack will return
      // HTTP 200 if the upload is successful" (https://docs.slack.dev/reference/methods/files.getUploadURLExternal).
      // @slack/web-api 7.19 posts multipart/form-data with one file part (WebClient.postFileUploadsToExternalURL).
      let bytes = rawBuf;
      if (contentType.includes('multipart/form-data')) {
        const form = await parseMultipart(rawBuf, contentType);
        const part = form.find((p) => p.file);
        bytes = part ? part.data : Buffer.alloc(0);
      }
      f.bytes = Buffer.from(bytes);
      f.size = f.bytes.length;
      f.uploaded = true;
      f.uploadedAt = Date.now();
      const detected = detectType(f.bytes, f.filename);
      f.mimetype = detected.mimetype;
      f.filetype = detected.filetype;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(`OK - ${f.size}`);
    }

    // ---- url_private of a file (a bot token is needed, as on files.slack.com) ----
    const pri = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\/(?:download\/)?[^/]+$/.exec(reqUrl.pathname);
    if (pri && req.method === 'GET') {
      const f = filesById.get(pri[1]);
      if (!f || !f.completed || !String(req.headers.authorization ?? '').startsWith('Bearer xox')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end('Not Found');
      }
      res.writeHead(200, { 'content-type': f.mimetype || 'application/octet-stream' });
      return void res.end(f.bytes);
    }

    // ---- Web API ---------------------------------------------------------------
    const api = /^\/api\/([a-zA-Z.]+)$/.exec(reqUrl.pathname);
    if (!api || req.method !== 'POST') return send(404, { ok: false, error: 'unknown_url' });
    const method = api[1];
    const body = await parseWebApiBody(rawBuf, contentType);
    const authorization = req.headers.authorization ?? (typeof body.token === 'string' ? `Bearer ${body.token}` : undefined);
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const record = (status: number, ok: boolean, error?: string, errors?: string[]) =>
      calls.push({ method, body, status, authorization, ok, ...(error ? { error } : {}), ...(errors ? { errors } : {}) });
    const fail = (error: string, errors?: string[], extra: Record<string, unknown> = {}) => {
      record(200, false, error, errors);
      return send(200, { ok: false, error, ...extra, ...(errors ? { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } } : {}) });
    };
    const ok = (payload: Record<string, unknown>) => {
      record(200, true);
      return send(200, { ok: true, ...payload });
    };

    const limit = rateLimits.get(method);
    if (limit !== undefined) {
      rateLimits.delete(method);
      record(429, false, 'ratelimited');
      return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit) });
    }
    if (!token?.startsWith('xox')) return fail('not_authed');
    const injected = takeFailure(method);
    if (injected) return fail(injected.error, injected.errors);
    // All bot tokens of this fake are the one bot UBOT of team TFAKE (auth.test says so).
    const identity = token.startsWith('xoxb-') ? BOT_USER : token;

    switch (method) {
      case 'auth.test':
        return ok({ url: 'https://fake.slack.com/', team: 'Fake', user: 'affiliate-bot', team_id: TEAM, user_id: BOT_USER, bot_id: BOT_ID });

      case 'chat.postMessage': {
        const refusal = validateMessage(body, { requireText: true, maxTextChars }, checkCtx(identity));
        if (refusal) return fail(refusal.error, refusal.errors);
        const ts = nextTs();
        const blocks = parseBlocks(body.blocks);
        const threadTs = body.thread_ts ? String(body.thread_ts) : undefined;
        messages.push({
          channel: String(body.channel),
          ts,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          text: body.text,
          ...(blocks ? { blocks } : {}),
          user: BOT_USER,
          bot_id: BOT_ID,
          edits: 0,
        });
        return ok({
          channel: body.channel,
          ts,
          message: { type: 'message', user: BOT_USER, bot_id: BOT_ID, text: body.text, blocks, ts, ...(threadTs ? { thread_ts: threadTs } : {}) },
        });
      }
      case 'chat.update': {
        // chat.update's `text`: "required if no blocks/attachments" like chat.postMessage
        // (https://docs.slack.dev/reference/methods/chat.update).
        const refusal = validateMessage(body, { requireText: true, maxTextChars }, checkCtx(identity));
        if (refusal) return fail(refusal.error, refusal.errors);
        const blocks = parseBlocks(body.blocks);
        // Kept lenient as before: an update of a message this fake never posted (a test's
        // made-up button click) is accepted; a known one is changed in place.
        const m = messages.find((x) => x.channel === String(body.channel) && x.ts === String(body.ts));
        if (m) {
          if (body.text !== undefined) m.text = body.text;
          if (blocks) m.blocks = blocks;
          m.edits++;
        }
        return ok({ channel: body.channel, ts: body.ts, text: body.text, message: { text: body.text, blocks } });
      }
      case 'chat.postEphemeral': {
        const refusal = validateMessage(body, { requireText: true, maxTextChars }, checkCtx(identity));
        if (refusal) return fail(refusal.error, refusal.errors);
        return ok({ message_ts: nextTs() });
      }

      // ---- the upload flow (@slack/web-api filesUploadV2: getUploadURLExternal → POST bytes → completeUploadExternal)
      case 'files.getUploadURLExternal': {
        // https://docs.slack.dev/reference/methods/files.getUploadURLExternal
        const filename = body.filename === undefined ? '' : String(body.filename);
        const lengthRaw = body.length;
        if (!filename || lengthRaw === undefined || lengthRaw === '' || !/^\d+$/.test(String(lengthRaw))) return fail('invalid_arguments');
        const length = Number(lengthRaw);
        // `missing_argument`: "Typically only occurs when the `length` provided is 0."
        if (length === 0) return fail('missing_argument');
        if (length > MAX_FILE_BYTES) return fail('file_upload_size_restricted');
        // The documented argument is `alt_txt` (@slack/web-api 7.19 sends `alt_text`, which the page does not list).
        const altTxt = body.alt_txt === undefined ? undefined : String(body.alt_txt);
        if (altTxt !== undefined && [...altTxt].length > MAX_ALT_TXT) return fail('alt_txt_too_large');
        const id = `F${Date.now().toString(36).toUpperCase()}${String(++fileCounter).padStart(4, '0')}${randomBytes(2).toString('hex').toUpperCase()}`;
        const slug = filename.toLowerCase().replace(/[^a-z0-9._-]+/g, '_');
        const f: FakeSlackFile = {
          id,
          filename,
          title: filename,
          bytes: Buffer.alloc(0),
          size: 0,
          declaredLength: length,
          mimetype: '',
          filetype: '',
          ...(altTxt !== undefined ? { altTxt } : {}),
          uploaded: false,
          completed: false,
          uploadedAt: 0,
          owner: identity,
          urlPrivate: `${url}/files-pri/${TEAM}-${id}/${slug}`,
          permalink: `https://fake.slack.com/files/${BOT_USER}/${id}/${slug}`,
        };
        files.push(f);
        filesById.set(id, f);
        return ok({ upload_url: `${url}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        // https://docs.slack.dev/reference/methods/files.completeUploadExternal
        const list = typeof body.files === 'string' ? safeJson(body.files) : body.files;
        if (!Array.isArray(list) || list.length === 0 || list.some((x: any) => !x || typeof x.id !== 'string')) return fail('invalid_arguments');
        const targets: FakeSlackFile[] = [];
        for (const item of list) {
          const f = filesById.get(item.id);
          // `file_not_found`: "Could not find the file from the upload ticket." Also answered when
          // the bytes never arrived, when their count differs from the declared `length`
          // [unverified: no source shows Slack's answer to a short upload], and on a second
          // completion ("This method can only be called once").
          if (!f || f.owner !== identity || !f.uploaded || f.completed || f.size !== f.declaredLength) return fail('file_not_found');
          targets.push(f);
        }
        const channel = body.channel_id ? String(body.channel_id) : body.channels ? String(body.channels) : undefined;
        if (channel && channel.includes(',')) return fail('invalid_arguments');
        const threadTs = channel && body.thread_ts ? String(body.thread_ts) : undefined;
        if (threadTs) {
          // "Provide another message's ts value ... Never use a reply's ts value; use its parent
          // instead." The page lists no error for a wrong one; the fake answers `invalid_thread_ts`
          // [unverified: Slack may instead share at the top level, cf. slackapi/python-slack-sdk#1545].
          const parent = messages.find((m) => m.channel === channel && m.ts === threadTs);
          if (!parent || (parent.thread_ts && parent.thread_ts !== parent.ts)) return fail('invalid_thread_ts');
        }
        const initialComment = body.initial_comment === undefined ? undefined : String(body.initial_comment);
        // "If the initial_comment field is provided, the blocks field is ignored."
        const blocks = initialComment === undefined ? parseBlocks(body.blocks) : undefined;
        if (blocks) {
          const refusal = validateMessage({ blocks }, { requireText: false, maxTextChars }, checkCtx(identity));
          if (refusal) return fail(refusal.error, refusal.errors);
        }
        const now = Date.now();
        for (const [i, f] of targets.entries()) {
          const title = list[i].title;
          if (title !== undefined && title !== null && title !== '') f.title = String(title);
          f.completed = true;
          f.completedAt = now;
          // Slack processes files asynchronously ("Files are processed asynchronously via a job
          // handler", files.getUploadURLExternal); a slack_file block naming a file still being
          // processed fails (slackapi/python-slack-sdk#1521: works after waiting ~1 s).
          f.readyAt = now + fileProcessingMs;
        }
        if (channel) {
          const ts = nextTs();
          for (const f of targets) {
            f.channel = channel;
            f.shareTs = ts;
            if (threadTs) f.threadTs = threadTs;
            if (initialComment !== undefined) f.initialComment = initialComment;
          }
          messages.push({
            channel,
            ts,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            text: initialComment ?? '',
            ...(blocks ? { blocks } : {}),
            files: targets.map((f) => fileObject(f, now)),
            subtype: 'file_share',
            user: BOT_USER,
            bot_id: BOT_ID,
            edits: 0,
          });
        }
        return ok({ files: targets.map((f) => fileObject(f, now)) });
      }
      case 'files.info': {
        const f = filesById.get(String(body.file ?? ''));
        // A file that is neither shared nor the caller's own is invisible to it.
        if (!f || !f.completed || (!f.channel && f.owner !== identity)) return fail('file_not_found');
        return ok({ file: fileObject(f, Date.now()), comments: [], response_metadata: { next_cursor: '' } });
      }
      default:
        return fail('unknown_method');
    }
  }

  function fileObject(f: FakeSlackFile, now: number): Record<string, any> {
    // Until processing is over Slack reports an empty mimetype/filetype
    // (slackapi/java-slack-sdk#1349 and slackapi/python-slack-sdk#1590 show `"mimetype":""` right after upload).
    const processed = f.readyAt !== undefined && now >= f.readyAt;
    const created = Math.floor((f.completedAt ?? f.uploadedAt) / 1000);
    return {
      id: f.id,
      created,
      timestamp: created,
      name: f.filename,
      title: f.title,
      mimetype: processed ? f.mimetype : '',
      filetype: processed ? f.filetype : '',
      pretty_type: processed ? f.filetype.toUpperCase() : '',
      user: BOT_USER,
      user_team: TEAM,
      editable: false,
      size: f.size,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: !!f.channel,
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: f.urlPrivate,
      url_private_download: f.urlPrivate.replace(/\/([^/]+)$/, '/download/$1'),
      permalink: f.permalink,
      permalink_public: `https://slack-files.com/${TEAM}-${f.id}-${f.id.slice(-6).toLowerCase()}`,
      ...(f.altTxt !== undefined ? { alt_txt: f.altTxt } : {}),
      media_display_type: processed ? (f.mimetype.startsWith('image/') ? 'unknown' : f.mimetype.startsWith('video/') ? 'video' : 'unknown') : 'unknown',
      has_rich_preview: false,
      channels: f.channel ? [f.channel] : [],
      groups: [],
      ims: [],
      shares: f.channel
        ? {
            public: {
              [f.channel]: [
                {
                  reply_users: [],
                  reply_users_count: 0,
                  reply_count: 0,
                  ts: f.shareTs,
                  ...(f.threadTs ? { thread_ts: f.threadTs } : {}),
                  channel_name: f.channel,
                  team_id: TEAM,
                  share_user_id: BOT_USER,
                  source: 'UNKNOWN',
                },
              ],
            },
          }
        : {},
      comments_count: 0,
    };
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    calls,
    responses,
    responseAttempts,
    messages,
    files,
    delivered: (method) => calls.filter((c) => c.method === method && c.status === 200 && c.ok),
    channelMessages: (channel) => messages.filter((m) => m.channel === channel),
    file: (id) => filesById.get(id),
    rateLimitOnce: (method, seconds) => void rateLimits.set(method, seconds),
    failNext: (method, error, o = {}) => {
      const list = failures.get(method) ?? [];
      list.push({ error, ...(o.errors ? { errors: o.errors } : {}), remaining: o.times ?? 1 });
      failures.set(method, list);
    },
    outage: async (mode) => {
      const wasRefusing = outageMode === 'refuse';
      outageMode = mode;
      if (mode === 'refuse' && !wasRefusing) await new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
      if (mode !== 'refuse' && wasRefusing) await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    setFileProcessingMs: (ms) => void (fileProcessingMs = ms),
    setRefusePrivateSlackFiles: (on) => void (refusePrivateSlackFiles = on),
    finishProcessing: (fileId) => {
      const now = Date.now();
      for (const f of files) if (f.completed && (!fileId || f.id === fileId)) f.readyAt = Math.min(f.readyAt ?? now, now);
    },
    responseUrl: (id) => `${url}/response/${id}`,
    close: () => new Promise<void>((r) => (outageMode === 'refuse' ? r() : (server.closeAllConnections(), server.close(() => r())))),
  };
}

// ---------------------------------------------------------------------------
// Message validation: what Slack refuses.

interface BlockCheckContext {
  /** Who posts: 'UBOT' for the bot (any xoxb- token, or a response_url), otherwise a user token. */
  identity: string | null;
  now: number;
  filesById: Map<string, FakeSlackFile>;
  refusePrivateSlackFiles?: boolean;
}

interface Refusal {
  error: string;
  errors?: string[];
}

function parseBlocks(v: unknown): any[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const parsed = typeof v === 'string' ? safeJson(v) : v;
  return Array.isArray(parsed) ? parsed : undefined;
}

const chars = (s: string) => [...s].length;

/**
 * Checks a message payload (chat.postMessage, chat.update, chat.postEphemeral, a response_url
 * post, the blocks of files.completeUploadExternal). Returns Slack's refusal, or null.
 */
export function validateMessage(body: Record<string, any>, o: { requireText: boolean; maxTextChars: number }, ctx: BlockCheckContext): Refusal | null {
  let blocks: unknown = body.blocks;
  if (typeof blocks === 'string' && blocks !== '') {
    blocks = safeJson(blocks);
    // Blocks that are not JSON: `invalid_blocks_format` ("The blocks is not a valid JSON object or
    // doesn't match the Block Kit syntax", https://docs.slack.dev/reference/methods/chat.postMessage, Errors).
    if (typeof blocks === 'string') return { error: 'invalid_blocks_format' };
  }
  if (blocks !== undefined && blocks !== null && blocks !== '' && !Array.isArray(blocks)) return { error: 'invalid_blocks_format' };
  const list = Array.isArray(blocks) ? blocks : [];
  const text = body.text === undefined || body.text === null ? '' : String(body.text);
  // `msg_too_long`: "Message text is too long" (chat.postMessage, Errors); the page's
  // "Truncating content" section puts the ceiling at 40,000 characters.
  if (chars(text) > o.maxTextChars) return { error: 'msg_too_long' };
  // `no_text`: "No message text provided" when there is neither text nor blocks nor attachments
  // (chat.postMessage: `text` is required "if no blocks/attachments").
  const hasAttachments = Array.isArray(body.attachments) ? body.attachments.length > 0 : !!body.attachments;
  if (o.requireText && text === '' && list.length === 0 && !hasAttachments) return { error: 'no_text' };
  const errors = checkBlocks(list, ctx);
  // invalid_blocks answers carry one line per problem with a JSON pointer, e.g.
  // {"ok":false,"error":"invalid_blocks","errors":["downloading image failed [json-pointer:/blocks/0/image_url]"],
  //  "response_metadata":{"messages":["[ERROR] downloading image failed [json-pointer:/blocks/0/image_url]"]}}
  // (slackapi/python-slack-sdk#1782, otiai10/amesh-bot#24).
  return errors.length ? { error: 'invalid_blocks', errors } : null;
}

/** Block Kit limits from https://docs.slack.dev/reference/block-kit/blocks (per block type pages). */
function checkBlocks(blocks: any[], ctx: BlockCheckContext): string[] {
  const errs: string[] = [];
  const err = (reason: string, ptr: string) => errs.push(`${reason} [json-pointer:${ptr}]`);
  // Length lines read "must be less than N+1 characters" [wording guessed].
  const maxLen = (v: unknown, max: number, ptr: string) => {
    if (typeof v === 'string' && chars(v) > max) err(`must be less than ${max + 1} characters`, ptr);
  };
  const maxItems = (v: unknown, max: number, ptr: string) => {
    // "no more than 100 items allowed [json-pointer:/view/blocks]" is Slack's wording for views
    // (grafana oncall PR #210 on grafana-cold-storage/oncall).
    if (Array.isArray(v) && v.length > max) err(`no more than ${max} items allowed`, ptr);
  };
  const required = (v: unknown, field: string, ptr: string) => {
    if (v === undefined || v === null) {
      err(`missing required field: ${field}`, ptr); // [wording guessed]
      return false;
    }
    return true;
  };
  /** A text composition object: plain_text or mrkdwn, 1..max characters. */
  const textObject = (t: any, max: number, ptr: string, plainOnly = false) => {
    if (!t || typeof t !== 'object' || typeof t.text !== 'string') return err('must provide an object with a string `text`', ptr); // [wording guessed]
    if (plainOnly ? t.type !== 'plain_text' : t.type !== 'plain_text' && t.type !== 'mrkdwn')
      return err(`must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}`, `${ptr}/type`); // [wording guessed]
    // An empty text is refused (slackapi/bolt-js#793: a section and button with text "" → invalid_blocks).
    if (t.text.length === 0) err('must be more than 0 characters', ptr); // [wording guessed]
    maxLen(t.text, max, ptr);
  };
  /** image block, image element: exactly one of image_url and slack_file, and one Slack can use. */
  const imageSource = (o: any, ptr: string) => {
    const hasUrl = o.image_url !== undefined && o.image_url !== null;
    const hasFile = o.slack_file !== undefined && o.slack_file !== null;
    // "You must provide either an image_url or slack_file" (https://docs.slack.dev/reference/block-kit/blocks/image-block);
    // both at once is refused too.
    if (hasUrl === hasFile) return err('must provide exactly one of image_url or slack_file', ptr); // [wording guessed]
    if (hasUrl) {
      if (typeof o.image_url !== 'string') return err('must be a string', `${ptr}/image_url`);
      // image_url: "Maximum length for this field is 3000 characters."
      if (chars(o.image_url) > 3000) return maxLen(o.image_url, 3000, `${ptr}/image_url`);
      // Slack's servers download the image themselves: a URL they cannot reach (loopback,
      // private, link-local …) is refused with "downloading image failed"
      // (otiai10/amesh-bot#24: http://localhost:8080/… → invalid_blocks "downloading image failed
      // [json-pointer:/blocks/0/image_url]"; slackapi/node-slack-sdk#1693 for a URL Slack
      // cannot fetch). Public hosts are accepted without downloading anything.
      if (!publicImageUrl(o.image_url)) err('downloading image failed', `${ptr}/image_url`);
      return;
    }
    if (!usableSlackFile(o.slack_file, ctx)) err('invalid slack file', `${ptr}/slack_file`);
  };
  const element = (e: any, ptr: string) => {
    if (!e || typeof e !== 'object') return err('must provide an object', ptr); // [wording guessed]
    if (e.type === 'button') {
      // https://docs.slack.dev/reference/block-kit/block-elements/button-element: text plain_text
      // ≤ 75, action_id ≤ 255, url ≤ 3000, value ≤ 2000, style primary|danger.
      if (required(e.text, 'text', ptr)) textObject(e.text, 75, `${ptr}/text`, true);
      maxLen(e.action_id, 255, `${ptr}/action_id`);
      maxLen(e.url, 3000, `${ptr}/url`);
      maxLen(e.value, 2000, `${ptr}/value`);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') err('must be one of: primary, danger', `${ptr}/style`); // [wording guessed]
      return;
    }
    if (e.type === 'image') {
      // https://docs.slack.dev/reference/block-kit/block-elements/image-element: alt_text required.
      if (required(e.alt_text, 'alt_text', ptr)) maxLen(e.alt_text, 2000, `${ptr}/alt_text`);
      return imageSource(e, ptr);
    }
    maxLen(e.action_id, 255, `${ptr}/action_id`);
  };

  // "You can include up to 50 blocks in each message" (https://docs.slack.dev/reference/block-kit/blocks).
  maxItems(blocks, 50, '/blocks');
  blocks.forEach((b: any, i: number) => {
    const p = `/blocks/${i}`;
    if (!b || typeof b !== 'object' || typeof b.type !== 'string') return err('must provide a block object with a `type`', p); // [wording guessed]
    // block_id: "Maximum length for this field is 255 characters."
    maxLen(b.block_id, 255, `${p}/block_id`);
    switch (b.type) {
      case 'header':
        // https://docs.slack.dev/reference/block-kit/blocks/header-block: text plain_text, max 150 characters.
        if (required(b.text, 'text', p)) textObject(b.text, 150, `${p}/text`, true);
        break;
      case 'section':
        // https://docs.slack.dev/reference/block-kit/blocks/section-block: text ≤ 3000; fields ≤ 10
        // items, each ≤ 2000; one of text or fields is required.
        if (b.text === undefined && b.fields === undefined) err('must provide either text or fields', p); // [wording guessed]
        if (b.text !== undefined) textObject(b.text, 3000, `${p}/text`);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) err('must be an array', `${p}/fields`);
          else {
            maxItems(b.fields, 10, `${p}/fields`);
            b.fields.forEach((f: any, j: number) => textObject(f, 2000, `${p}/fields/${j}`));
          }
        }
        if (b.accessory !== undefined) element(b.accessory, `${p}/accessory`);
        break;
      case 'context':
        // https://docs.slack.dev/reference/block-kit/blocks/context-block: elements, max 10 (images and text objects).
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          err('must provide a non-empty array', `${p}/elements`); // [wording guessed]
        else {
          maxItems(b.elements, 10, `${p}/elements`);
          b.elements.forEach((e: any, j: number) => (e?.type === 'image' ? element(e, `${p}/elements/${j}`) : textObject(e, 3000, `${p}/elements/${j}`)));
        }
        break;
      case 'actions':
        // https://docs.slack.dev/reference/block-kit/blocks/actions-block: max 25 elements
        // (python-slack-sdk PR #1253 corrected the older 5).
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          err('must provide a non-empty array', `${p}/elements`); // [wording guessed]
        else {
          maxItems(b.elements, 25, `${p}/elements`);
          b.elements.forEach((e: any, j: number) => element(e, `${p}/elements/${j}`));
        }
        break;
      case 'image':
        // https://docs.slack.dev/reference/block-kit/blocks/image-block: alt_text required ≤ 2000,
        // title plain_text ≤ 2000, image_url ≤ 3000 or slack_file.
        if (required(b.alt_text, 'alt_text', p)) maxLen(b.alt_text, 2000, `${p}/alt_text`);
        if (b.title !== undefined) textObject(b.title, 2000, `${p}/title`, true);
        imageSource(b, p);
        break;
      case 'markdown':
        // https://docs.slack.dev/reference/block-kit/blocks/markdown-block: cumulative limit of 12,000 characters.
        if (typeof b.text !== 'string')
          err('must provide a string `text`', p); // [wording guessed]
        else maxLen(b.text, 12_000, `${p}/text`);
        break;
      default:
        // divider, rich_text, input, video …: not checked beyond block_id.
        break;
    }
  });
  return errs;
}

// Addresses Slack's image fetcher cannot reach from the internet.
const NON_PUBLIC = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified 0.0.0.0
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT, RFC 6598
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12], // RFC 1918
  ['192.168.0.0', 16], // RFC 1918
] as const)
  NON_PUBLIC.addSubnet(addr, prefix, 'ipv4');
NON_PUBLIC.addAddress('255.255.255.255', 'ipv4');
NON_PUBLIC.addAddress('::', 'ipv6'); // unspecified
NON_PUBLIC.addAddress('::1', 'ipv6'); // loopback
NON_PUBLIC.addSubnet('fc00::', 7, 'ipv6'); // unique local
NON_PUBLIC.addSubnet('fe80::', 10, 'ipv6'); // link-local
// (Node's BlockList also matches IPv4-mapped IPv6 such as ::ffff:127.0.0.1 against the IPv4 rules.)

/** Whether Slack's servers could download an image from `u` (without fetching it). */
export function publicImageUrl(u: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  let host = parsed.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const kind = net.isIP(host);
  if (kind) return !NON_PUBLIC.check(host, kind === 4 ? 'ipv4' : 'ipv6');
  host = host.replace(/\.$/, '').toLowerCase();
  // Single-label names (localhost, intranet hosts) and reserved suffixes do not resolve publicly.
  if (!host.includes('.')) return false;
  if (host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return false;
  return true;
}

/**
 * slack_file: `{ id }` or `{ url }` (url_private or permalink), not both; the file must be an
 * image the poster may see, and done processing. Otherwise Slack answers
 * "invalid slack file [json-pointer:/blocks/0/slack_file]" (slackapi/python-slack-sdk#1658 for a
 * file not shared with the poster; #1521 for a file used right after upload).
 * https://docs.slack.dev/reference/block-kit/composition-objects/slack-file-object
 */
function usableSlackFile(sf: any, ctx: BlockCheckContext): boolean {
  if (!sf || typeof sf !== 'object') return false;
  const hasId = typeof sf.id === 'string';
  const hasUrl = typeof sf.url === 'string';
  if (hasId === hasUrl) return false;
  const f = hasId
    ? ctx.filesById.get(sf.id)
    : [...ctx.filesById.values()].find((x) => [x.urlPrivate, x.urlPrivate.replace(/\/([^/]+)$/, '/download/$1'), x.permalink].includes(sf.url));
  if (!f || !f.completed) return false;
  // Only the uploader sees a file completed without a channel ("If not specified the file will
  // be private", files.completeUploadExternal); a shared one is visible to the team.
  if (!f.channel && f.owner !== ctx.identity) return false;
  if (!f.channel && ctx.refusePrivateSlackFiles) return false;
  // "Supported file types include png, jpg, jpeg, and gif" (image block page).
  if (!['image/png', 'image/jpeg', 'image/gif'].includes(f.mimetype)) return false;
  return f.readyAt !== undefined && ctx.now >= f.readyAt;
}

/** The type Slack would give the bytes: magic numbers first, then the file name's extension. */
function detectType(bytes: Buffer, filename: string): { mimetype: string; filetype: string } {
  const head = bytes.subarray(0, 12);
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { mimetype: 'image/png', filetype: 'png' };
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { mimetype: 'image/jpeg', filetype: 'jpg' };
  if (head.length >= 6 && /^GIF8[79]a$/.test(head.subarray(0, 6).toString('latin1'))) return { mimetype: 'image/gif', filetype: 'gif' };
  if (head.length >= 12 && head.subarray(4, 8).toString('latin1') === 'ftyp') return { mimetype: 'video/mp4', filetype: 'mp4' };
  if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === '%PDF') return { mimetype: 'application/pdf', filetype: 'pdf' };
  if (head.length >= 12 && head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return { mimetype: 'image/webp', filetype: 'webp' };
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  const byExt: Record<string, [string, string]> = {
    png: ['image/png', 'png'],
    jpg: ['image/jpeg', 'jpg'],
    jpeg: ['image/jpeg', 'jpg'],
    gif: ['image/gif', 'gif'],
    mp4: ['video/mp4', 'mp4'],
    txt: ['text/plain', 'text'],
    csv: ['text/csv', 'csv'],
    json: ['application/json', 'json'],
    pdf: ['application/pdf', 'pdf'],
  };
  const hit = byExt[ext];
  return hit ? { mimetype: hit[0], filetype: hit[1] } : { mimetype: 'application/octet-stream', filetype: 'binary' };
}

interface FormPart {
  name: string;
  file: boolean;
  filename?: string;
  type?: string;
  data: Buffer;
  value?: string;
}

/** multipart/form-data through the WHATWG Request parser built into Node (undici). */
async function parseMultipart(raw: Buffer, contentType: string): Promise<FormPart[]> {
  const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) }).formData();
  const out: FormPart[] = [];
  for (const [name, v] of form as unknown as Iterable<[string, string | File]>) {
    if (typeof v === 'string') out.push({ name, file: false, data: Buffer.from(v), value: v });
    else out.push({ name, file: true, filename: v.name, type: v.type, data: Buffer.from(await v.arrayBuffer()) });
  }
  return out;
}

/** WebClient posts form-encoded fields, with objects/arrays as JSON strings (or JSON, or multipart). */
async function parseWebApiBody(rawBuf: Buffer, contentType: string): Promise<Record<string, any>> {
  if (!rawBuf.length) return {};
  const raw = rawBuf.toString('utf8');
  if (contentType.includes('application/json')) return (safeJson(raw) as Record<string, any>) ?? {};
  const out: Record<string, any> = {};
  if (contentType.includes('multipart/form-data')) {
    for (const p of await parseMultipart(rawBuf, contentType)) out[p.name] = p.file ? p.data : /^[[{]/.test(p.value ?? '') ? safeJson(p.value!) : p.value;
    return out;
  }
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

// ---------------------------------------------------------------------------
// What Slack sends us: signed requests.

export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
}

export interface SignedRequestOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a forgery). */
  forgeWith?: string;
  retryNum?: number;
  contentType?: string;
}

/** POSTs `rawBody` to `url` signed like Slack does; returns status, body and the time taken. */
export async function postSignedToSlackEndpoint(
  url: string,
  secret: string,
  rawBody: string,
  opts: SignedRequestOptions = {},
): Promise<{ status: number; text: string; ms: number }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': slackSignature(opts.forgeWith ?? secret, ts, rawBody),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = Date.now();
  const r = await fetch(url, { method: 'POST', headers, body: rawBody });
  const text = await r.text();
  return { status: r.status, text, ms: Date.now() - started };
}

/** A slash command body as Slack form-encodes it. */
export function slashCommandBody(o: { command: string; text: string; userId: string; userName?: string; channelId?: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'TFAKE',
    team_domain: 'fake',
    channel_id: o.channelId ?? 'C_OPS',
    channel_name: 'ops',
    user_id: o.userId,
    user_name: o.userName ?? o.userId.toLowerCase(),
    command: o.command,
    text: o.text,
    api_app_id: 'AFAKE',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: `trigger-${Date.now()}`,
  }).toString();
}

/** A block_actions interaction for a button click, form-encoded as `payload=<json>`. */
export function buttonClickBody(o: {
  actionId: string;
  userId: string;
  userName?: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  message?: Record<string, unknown>;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: o.userId, username: o.userName ?? o.userId.toLowerCase(), name: o.userName ?? o.userId.toLowerCase(), team_id: 'TFAKE' },
    api_app_id: 'AFAKE',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channelId, is_ephemeral: false },
    trigger_id: `trigger-${Date.now()}`,
    team: { id: 'TFAKE', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channelId, name: 'approvals' },
    message: { type: 'message', ts: o.messageTs, user: 'UBOT', bot_id: 'BBOT', ...(o.message ?? {}) },
    state: { values: {} },
    response_url: o.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: o.actionId,
        block_id: 'b1',
        value: o.actionId,
        text: { type: 'plain_text', text: 'button' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
