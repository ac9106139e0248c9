import { inputShapeProblem } from './input-shape';

describe('inputShapeProblem', () => {
  const nest = (depth: number, wrap: (v: unknown) => unknown) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = wrap(v);
    return v;
  };

  it('accepts ordinary bodies and scalars', () => {
    for (const v of [null, 1, 'x', true, [], {}, { clientId: 'x', text: 'hi', attachmentIds: ['a', 'b'] }, nest(31, (v) => [v])]) {
      expect(inputShapeProblem(v)).toBeNull();
    }
  });

  it('refuses nesting beyond the limit, iteratively (no stack overflow at any depth)', () => {
    expect(inputShapeProblem(nest(32, (v) => [v]))).toBeNull();
    expect(inputShapeProblem(nest(33, (v) => [v]))).toMatch(/nested too deeply/);
    expect(inputShapeProblem(nest(200_000, (v) => ({ a: v })))).toMatch(/nested too deeply/);
    expect(inputShapeProblem({ a: [1, 2, { b: nest(40, (v) => [v]) }] })).toMatch(/nested too deeply/);
  });

  it('refuses __proto__, constructor and prototype keys at any level', () => {
    expect(inputShapeProblem(JSON.parse('{"__proto__": {"isAdmin": true}}'))).toBe('the key "__proto__" is not allowed');
    expect(inputShapeProblem({ text: { constructor: { constructor: 1 } } })).toBe('the key "constructor" is not allowed');
    expect(inputShapeProblem([{ a: [{ prototype: 1 }] }])).toBe('the key "prototype" is not allowed');
    // As values they are just text.
    expect(inputShapeProblem({ text: '__proto__', constructor_: 'constructor' })).toBeNull();
  });

  it('refuses the NUL character in any string or key (PostgreSQL text cannot hold it)', () => {
    expect(inputShapeProblem({ text: 'a\u0000b' })).toBe('text must not contain the NUL character (U+0000)');
    expect(inputShapeProblem({ a: [{ b: ['\u0000'] }] })).toMatch(/NUL/);
    expect(inputShapeProblem({ 'a\u0000': 1 })).toBe('the key "a\\0" is not allowed');
    expect(inputShapeProblem({ text: 'a\u0001b' })).toBeNull();
  });

  it('refuses lone surrogates (not Unicode; PostgreSQL JSON refuses them) and keeps real pairs', () => {
    expect(inputShapeProblem({ title: 'x\ud800' })).toMatch(/well-formed/);
    expect(inputShapeProblem({ title: '\udc00x' })).toMatch(/well-formed/);
    expect(inputShapeProblem({ a: ['\ud83d'] })).toMatch(/well-formed/);
    expect(inputShapeProblem({ text: 'ok 😀 \ud83d\ude00' })).toBeNull();
  });

  it('does not walk into binary data', () => {
    expect(inputShapeProblem({ file: Buffer.alloc(10_000) })).toBeNull();
  });
});
