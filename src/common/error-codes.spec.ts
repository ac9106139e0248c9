import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_ERROR_CODES, ERROR_CODES } from './error-codes';

interface OpenApiDoc {
  components: { schemas: Record<string, { enum?: string[] }> };
}

describe('ErrorCode table', () => {
  const doc = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as OpenApiDoc;

  it('lists exactly the codes the OpenAPI document names', () => {
    expect([...(doc.components.schemas.ErrorCode?.enum ?? [])].sort()).toEqual([...ALL_ERROR_CODES].sort());
  });

  it('gives every code an HTTP error status', () => {
    for (const code of ALL_ERROR_CODES) expect(ERROR_CODES[code]).toBeGreaterThanOrEqual(400);
  });
});
