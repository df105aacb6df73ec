// The session in the URL hash, so a link reproduces it: `#preset=<id>&code=<data>`, the
// code compressed (deflate-raw, the browser's CompressionStream) and base64url-encoded.
// The λ slider's value is a line of the code, so it travels with it.

export interface Session {
  readonly preset?: string;
  readonly code: string;
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export async function encodeSession(session: Session): Promise<string> {
  const data = toBase64Url(await through(new TextEncoder().encode(session.code), new CompressionStream("deflate-raw")));
  const params = new URLSearchParams();
  if (session.preset) params.set("preset", session.preset);
  params.set("code", data);
  return "#" + params.toString();
}

/** The session in `hash`, or undefined when there is none or it does not decode. */
export async function decodeSession(hash: string): Promise<Session | undefined> {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const data = params.get("code");
  if (!data) return undefined;
  try {
    const code = new TextDecoder().decode(await through(fromBase64Url(data), new DecompressionStream("deflate-raw")));
    return { preset: params.get("preset") ?? undefined, code };
  } catch {
    return undefined;
  }
}
