import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineDiff } from './line-diff';
import { schemaSource, serviceOpenApiDocument } from './openapi-document';

/**
 * `npm run client:generate`: rewrites src/schema.ts from the service's current OpenAPI document.
 * `--check`: writes nothing, prints what differs from the committed file and exits 1 on drift.
 * `--print`: writes the generated source to stdout (the drift test reads it).
 */
export const SCHEMA_FILE = join(__dirname, '..', 'src', 'schema.ts');

async function main(mode: string | undefined): Promise<number> {
  const source = await schemaSource(await serviceOpenApiDocument());
  if (mode === '--print') {
    process.stdout.write(source);
    return 0;
  }
  if (mode === '--check') {
    const drift = lineDiff(readFileSync(SCHEMA_FILE, 'utf8'), source);
    if (drift.length === 0) return 0;
    console.error(`${SCHEMA_FILE} is stale; run \`npm run client:generate\`:\n${drift.join('\n')}`);
    return 1;
  }
  writeFileSync(SCHEMA_FILE, source);
  console.log(`wrote ${SCHEMA_FILE}`);
  return 0;
}

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
