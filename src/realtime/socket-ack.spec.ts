import { ackError, splitArgs } from './socket-ack';

describe('splitArgs', () => {
  const ack = () => undefined;

  it('takes the last argument as the ack when it is a function', () => {
    expect(splitArgs([{ a: 1 }, ack])).toEqual({ payload: { a: 1 }, ack });
    expect(splitArgs([{ a: 1 }])).toEqual({ payload: { a: 1 }, ack: null });
  });

  it('leaves the payload undefined with no argument, and makes several arguments an array', () => {
    expect(splitArgs([ack])).toEqual({ payload: undefined, ack });
    expect(splitArgs([])).toEqual({ payload: undefined, ack: null });
    expect(splitArgs([1, 2, ack])).toEqual({ payload: [1, 2], ack });
  });

  it('keeps a payload of any type as it came', () => {
    for (const payload of ['s', null, 0, [1], true]) expect(splitArgs([payload, ack]).payload).toEqual(payload);
  });
});

describe('ackError', () => {
  it('is the contract’s failure shape', () => {
    const error = { statusCode: 404, code: 'CHAT_NOT_FOUND' as const, message: 'chat not found' };
    expect(ackError(error)).toEqual({ ok: false, error });
  });
});
