import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PlatformName } from '../../config.js';
import type { PublishRequest, PublishedPost, Publisher } from './types.js';

/**
 * The offline publisher: each post becomes a folder under
 * `<outbox>/<platform>/<post-id>/` with the video, its thumbnail and
 * `metadata.json` (title, description with disclosure and link, hashtags), ready
 * to upload by hand or by another tool. Like a real platform it creates a new
 * post (new id) on every call, so it does not hide a double publish; the ledger
 * prevents those. The folder appears atomically (written under a temp name, then
 * renamed), and every post is appended to `posts.log`.
 */
export class OutboxPublisher implements Publisher {
  readonly name = 'outbox';

  constructor(
    readonly platform: PlatformName,
    private readonly root: string,
  ) {}

  private get dir(): string {
    return path.join(this.root, this.platform.toLowerCase());
  }

  async publish(req: PublishRequest): Promise<PublishedPost> {
    await fs.mkdir(this.dir, { recursive: true });
    const postId = `${req.videoId.slice(0, 8)}-${randomBytes(4).toString('hex')}`;
    const tmp = path.join(this.dir, `.tmp-${postId}`);
    const final = path.join(this.dir, postId);
    await fs.mkdir(tmp, { recursive: true });
    await fs.copyFile(req.videoPath, path.join(tmp, 'video.mp4'));
    if (req.thumbnailPath) await fs.copyFile(req.thumbnailPath, path.join(tmp, 'thumbnail.png'));
    const metadata = {
      postId,
      platform: req.platform,
      idempotencyKey: req.idempotencyKey,
      videoId: req.videoId,
      title: req.title,
      description: req.description,
      hashtags: req.hashtags,
      language: req.language,
      createdAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(tmp, 'metadata.json'), JSON.stringify(metadata, null, 2));
    await fs.rename(tmp, final);
    await fs.appendFile(path.join(this.dir, 'posts.log'), `${metadata.createdAt}\t${postId}\t${req.idempotencyKey}\t${req.videoId}\n`);
    return { externalId: `outbox:${this.platform.toLowerCase()}/${postId}`, url: `file://${final}` };
  }

  async findExisting(idempotencyKey: string): Promise<PublishedPost | null> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.dir);
    } catch {
      return null;
    }
    for (const name of entries) {
      if (name.startsWith('.') || name === 'posts.log') continue;
      try {
        const meta = JSON.parse(await fs.readFile(path.join(this.dir, name, 'metadata.json'), 'utf8'));
        if (meta.idempotencyKey === idempotencyKey)
          return { externalId: `outbox:${this.platform.toLowerCase()}/${name}`, url: `file://${path.join(this.dir, name)}` };
      } catch {
        /* not a post folder */
      }
    }
    return null;
  }
}
