/**
 * Vector encodings the doors answer with. OpenAI's `encoding_format: "base64"` is the vector as
 * little-endian float32 values, base64-encoded (what the `openai` SDK decodes with a Float32Array);
 * Portico asks its upstreams for floats and encodes here, so every upstream serves a base64 client.
 */

/** Little-endian float32 bytes of `values`, in base64. */
export function float32Base64(values: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let index = 0; index < values.length; index++) {
    bytes.writeFloatLE(values[index] as number, index * 4);
  }
  return bytes.toString('base64');
}
