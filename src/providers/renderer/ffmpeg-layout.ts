// The video canvas and layout shared by the render plan, the scenes and the subtitle files: size, frame rate, the safe area.

export const WIDTH = 1080;
export const HEIGHT = 1920;
export const FPS = 30;
/**
 * Where text may go so that no platform's buttons or captions cover it (the union of the platforms'
 * overlays on a 1080 x 1920 short): TikTok covers about the top 250 px, the right 170 px (the
 * like/comment/share rail) and the bottom 420-460 px; Instagram Reels (Meta's safe-zone guidance)
 * the top 14 %, the bottom 35 % and 6 % at each side; YouTube Shorts a similar right rail and bottom.
 * Text stays inside TikTok's margins; the captions sit left of its rail, above its bottom overlay and a
 * little inside Reels' bottom band, which organic Reels (no ad button) leave mostly clear.
 */
export const SAFE_AREA = { left: 65, right: 910, top: 260, bottom: 1460, captionY: 1290 };
