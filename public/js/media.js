// Images and videos shown in the conversation. Their bytes are fetched with the bearer token (a
// token never goes into a URL) into object URLs: once per attachment, when the element comes near
// the screen, kept until log-out so that re-rendering a message does not fetch it again.
import { fetchAttachment } from './api.js';

// Types every browser shows inline; others (HEIC, TIFF, SVG …) stay plain files.
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);
const VIDEO_TYPES = new Set(['video/mp4', 'video/webm', 'video/ogg']);

/** 'image' | 'video' for an attachment shown inline, else null. */
export function mediaKind(attachment) {
  if (IMAGE_TYPES.has(attachment.mimeType)) return 'image';
  if (VIDEO_TYPES.has(attachment.mimeType)) return 'video';
  return null;
}

const pending = new Map(); // attachment id → Promise<object URL>
const ready = new Map(); // attachment id → object URL

/** The attachment as an object URL (fetched once; a failed fetch is tried again next time). */
export function mediaUrl(attachment) {
  let url = pending.get(attachment.id);
  if (!url) {
    url = fetchAttachment(attachment).then((blob) => {
      const objectUrl = URL.createObjectURL(blob);
      ready.set(attachment.id, objectUrl);
      return objectUrl;
    });
    url.catch(() => pending.delete(attachment.id));
    pending.set(attachment.id, url);
  }
  return url;
}

/** After log-out: the bytes of the previous account go. */
export function forgetMedia() {
  for (const url of ready.values()) URL.revokeObjectURL(url);
  ready.clear();
  pending.clear();
}

let observer = null;
const waiting = new WeakMap(); // element → attachment

function show(el, attachment) {
  const known = ready.get(attachment.id);
  if (known) return (el.src = known);
  mediaUrl(attachment).then(
    (url) => (el.src = url),
    () => el.closest('.media')?.classList.add('unavailable'),
  );
}

/** Gives `el` (an <img> or <video>) the attachment's bytes: at once when held, else when it nears the screen. */
export function fillWhenVisible(el, attachment) {
  if (ready.has(attachment.id)) return show(el, attachment);
  observer ??= new window.IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        show(entry.target, waiting.get(entry.target));
      }
    },
    { rootMargin: '300px 0px' },
  );
  waiting.set(el, attachment);
  observer.observe(el);
}
