// Sending a reply. When the API documents POST /mentions/{id}/replies (the respond issue's reply route), the
// console posts the text there; until then it records the response on the mention (PATCH respond) with the link
// of the reply the agent posted on the platform, and the text as its note.
import { ApiError, api, documents, mentionPath } from "./api.js";

export async function sendReply(detail, { text, link }) {
  if (await documents("/mentions/{id}/replies", "post")) {
    await api(`${mentionPath(detail.id)}/replies`, { method: "POST", body: { text, version: detail.version } });
    return null; // the caller reloads the mention
  }
  if (!link) {
    throw new ApiError(400, {
      error: {
        code: "bad_request",
        message: "Post the reply on the platform, then paste its link: this API records replies by their link.",
        field: "response_link",
      },
    });
  }
  return api(mentionPath(detail.id), {
    method: "PATCH",
    body: { action: "respond", response_kind: "public_reply", response_link: link, note: text || undefined, version: detail.version },
  });
}
