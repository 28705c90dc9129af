import { IsString } from 'class-validator';
import { RequestValidationError, createValidationPipe } from './validation';

class Payload {
  @IsString() title!: string;
}

describe('the validation pipe', () => {
  const pipe = createValidationPipe();

  it('answers parameters with nothing to validate at once, as ValidationPipe would (no promise to await)', () => {
    expect(pipe.transform('6b06e63ad5ee9451d0dc74d1', { type: 'param', metatype: String, data: 'id' })).toBe('6b06e63ad5ee9451d0dc74d1');
    expect(pipe.transform('12', { type: 'query', metatype: Number, data: 'page' })).toBe(12);
    expect(pipe.transform('true', { type: 'query', metatype: Boolean, data: 'flag' })).toBe(true);
    const caller = { kind: 'staff' };
    expect(pipe.transform(caller, { type: 'custom', metatype: Object })).toBe(caller);
  });

  it('still validates and refuses whatever has a class, prototype-named keys included', async () => {
    await expect(pipe.transform({ title: 'ok' }, { type: 'body', metatype: Payload })).resolves.toEqual({ title: 'ok' });
    await expect(pipe.transform({ title: 1 }, { type: 'body', metatype: Payload })).rejects.toBeInstanceOf(RequestValidationError);
    await expect(pipe.transform(JSON.parse('{"title":"ok","constructor":1}'), { type: 'body', metatype: Payload })).rejects.toMatchObject({
      errors: [{ field: 'constructor', message: 'property constructor should not exist' }],
    });
  });
});
