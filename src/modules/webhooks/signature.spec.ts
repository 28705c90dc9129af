import { Webhook } from 'standardwebhooks';
import { SECRET_PREFIX, newSigningSecret, sign, signedHeaders } from './signature';

describe('Standard Webhooks signatures', () => {
  it('matches the specification example', () => {
    // From the Standard Webhooks specification (spec/standard-webhooks.md, "Signature scheme").
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies with the standardwebhooks package, every secret during an overlap', () => {
    const [a, b] = [newSigningSecret(), newSigningSecret()];
    expect(a.startsWith(SECRET_PREFIX)).toBe(true);
    const body = JSON.stringify({ type: 'TicketCreated', timestamp: new Date().toISOString(), data: {} });
    const headers = signedHeaders([a, b], 'evt-1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(a).verify(body, headers)).toBeDefined();
    expect(new Webhook(b).verify(body, headers)).toBeDefined();
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(a).verify(body + ' ', headers)).toThrow();
  });
});
