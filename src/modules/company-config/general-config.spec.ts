import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../platform/config/settings';
import { BUILT_IN_CONFIG, GeneralConfigs } from './general-config';

describe('GeneralConfigs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lead-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const configs = (file?: unknown) => {
    if (file !== undefined) writeFileSync(join(dir, 'general-config.json'), typeof file === 'string' ? file : JSON.stringify(file));
    return new GeneralConfigs(loadSettings({ LEAD_DATA_DIR: dir }));
  };

  it('serves the built-in defaults with a stable ObjectId-shaped id per company when there is no file', () => {
    const one = configs().forCompany('1');
    expect(one).toEqual({ ...BUILT_IN_CONFIG, _id: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(configs().forCompany('1')._id).toBe(one._id);
    expect(configs().forCompany('2')._id).not.toBe(one._id);
  });

  it('layers the file: built-in, then `default`, then the company', () => {
    const email = { value: 'help@shop.test', description: 'Mail us', enabled: true };
    const c = configs({
      default: { support_email: email, show_communication_info: true },
      companies: { '2': { allow_ticket_creation: false, show_communication_info: false } },
    });
    expect(c.forCompany('1')).toMatchObject({ support_email: email, show_communication_info: true, allow_ticket_creation: true });
    expect(c.forCompany('2')).toMatchObject({ support_email: email, show_communication_info: false, allow_ticket_creation: false });
  });

  it('serves support_communication as a list (GeneralConfigDetails), also when a file gives one CommunicationDetails object', () => {
    const chat = { type: 'chat', title: 'Chat with us', description: '9-5', enabled: true, value: 'https://chat.shop.test' };
    const mail = { type: 'email', title: 'Mail', description: '', enabled: true };
    const c = configs({ default: { support_communication: chat }, companies: { '2': { support_communication: [mail] } } });
    expect(c.forCompany('1').support_communication).toEqual([chat]);
    expect(c.forCompany('2').support_communication).toEqual([mail]);
    expect(() => configs({ default: { support_communication: 'chat' } })).toThrow('default.support_communication must be a list');
  });

  it('refuses a malformed file at start, naming it', () => {
    expect(() => configs('{ nope')).toThrow('general-config.json is not valid JSON');
    expect(() => configs({ companies: { '1': 'x' } })).toThrow('must be {"default"');
  });
});
