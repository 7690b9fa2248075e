import { Scheme, SchemeDescription } from './scheme';
import { SenderRow, SenderScheme } from './sender';

/**
 * A catalogue row in words, for the sender table, docs/senders.md. Kept out of the row engine (`SenderScheme`)
 * so that no verifier bundle carries text only the docs read.
 */
export function describeRow(row: SenderRow): SchemeDescription {
  const spec = row.signature;
  const where =
    row.signatureText ? row.signatureText
    : spec.kind === 'header' ? `\`${spec.header}\`${spec.prefix ? `: \`${spec.prefix}<sig>\`` : ''}`
    : spec.kind === 'headers' ? spec.headers.map((h) => `\`${h}\``).join(' / ')
    : `\`${spec.header}\`: \`${spec.timestampKey ? `${spec.timestampKey}${spec.assign}<t>${spec.separator}` : ''}${spec.signatureKey}${spec.assign}<sig>\``;
  const parts = row.signed.map((p) =>
    p === 'body' ? 'body' : p === 'timestamp' ? 'timestamp' : p === 'url' ? 'URL' : p === 'method' ? 'method' : 'literal' in p ? `\`${p.literal}\`` : `\`${p.header}\``,
  );
  const signsBody = row.signed.includes('body');
  const isToken = row.algorithm === 'token';
  const signature = isToken
    ? `${where}: a shared token (no signature; the body is not bound)`
    : `${where}, HMAC-${row.algorithm.toUpperCase()} ${row.encoding} over ${parts.join(' + ')}${signsBody ? '' : ' (the body is not signed)'}`;
  const replay = row.timestamp
    ? `signed timestamp (${row.timestamp.format === 'iso8601' ? 'RFC 3339' : row.timestamp.format === 'unix-ms' ? 'unix ms' : 'unix s'}), ${row.timestamp.toleranceSeconds / 60} min; dedupe record`
    : 'dedupe record only (nothing signed in time)';
  const dedupe = row.signedIdHeader
    ? `signed id \`${row.signedIdHeader}\``
    : isToken ? 'SHA-256 of the body (which a token does not bind)'
    : signsBody ? 'SHA-256 of the body'
    : 'SHA-256 of the signed content';
  // As the engine names them: `signed.<name>` for a header the signature covers, else `unsigned.<name>`.
  const signedHeaders = new Set([
    ...row.signed.flatMap((p) => (typeof p === 'object' && 'header' in p ? [p.header.toLowerCase()] : [])),
    ...(row.timestamp?.header ? [row.timestamp.header.toLowerCase()] : []),
  ]);
  const metadata = [
    ...(row.signedIdHeader ? ['signed.eventId'] : []),
    ...(row.metadata ?? []).map(({ header, name }) => `${signedHeaders.has(header.toLowerCase()) ? 'signed' : 'unsigned'}.${name}`),
  ];
  return { signature, replay, dedupe, metadata };
}

/** A scheme in words: its own description, or its catalogue row's. */
export function describeScheme(scheme: Scheme): SchemeDescription | undefined {
  return scheme.describe?.() ?? (scheme instanceof SenderScheme ? describeRow(scheme.row) : undefined);
}
