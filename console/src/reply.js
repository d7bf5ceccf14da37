// Replies. When the API documents POST /mentions/{id}/replies (the reply route), "Send reply" posts the text on
// the platform as the brand, idempotently: one key per reply text, reused when the same text is sent again after
// a failure. A reply posted elsewhere (or on a platform without a reply API) is recorded on the mention with its
// link (PATCH respond, public_reply, the text as its note), with the optimistic-concurrency version.
import { api, documents, mentionPath } from "./api.js";

export const canSendReplies = () => documents("/mentions/{id}/replies", "post");

const keys = new Map();

function keyFor(mentionId, text) {
  const slot = `${mentionId}\n${text}`;
  if (!keys.has(slot)) keys.set(slot, `console-${crypto.randomUUID()}`);
  return keys.get(slot);
}

/** Returns a sentence saying what happened. */
export async function sendReply(detail, text) {
  const view = await api(`${mentionPath(detail.id)}/replies`, {
    method: "POST",
    body: { text, idempotency_key: keyFor(detail.id, text) },
  });
  if (view?.state === "awaiting_approval") return "Reply drafted: a second person must approve it.";
  return view?.link ? `Reply posted: ${view.link}` : "Reply posted.";
}

export function recordReply(detail, { text, link }) {
  return api(mentionPath(detail.id), {
    method: "PATCH",
    body: {
      action: "respond",
      response_kind: "public_reply",
      response_link: link,
      note: text ? text.slice(0, 2000) : undefined,
      version: detail.version,
    },
  });
}
