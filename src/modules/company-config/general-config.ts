import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { SETTINGS, Settings } from '../../platform/config/settings';

interface SupportConfig {
  type: string;
  integration: { type: string };
  available_integration: string[];
  allow_ticket_creation: boolean;
  show_listing: boolean;
  show_communication_info: boolean;
  show_support_dris: boolean;
  enable_dris: boolean;
  support_communication: { type: string; title: string; description: string; enabled: boolean }[];
  support_email: { value: string; description: string; enabled: boolean };
  support_phone: { value: string; description: string; enabled: boolean };
  support_faq: { value: string; description: string; enabled: boolean };
}

/** GeneralConfigDetails (reference 4.11). Unknown fields in the file pass through to clients. */
export type GeneralConfigDetails = SupportConfig & { _id: string } & Record<string, unknown>;

/** The general-config file: `default` applies to every company, `companies.<id>` overrides it per company. */
interface GeneralConfigFile {
  default?: Record<string, unknown>;
  companies?: Record<string, Record<string, unknown>>;
}

const off = { value: '', description: '', enabled: false };

/** This service's own ticketing, nothing to contact: what a company gets until the file says otherwise. */
export const BUILT_IN_CONFIG: SupportConfig = {
  type: 'default',
  integration: { type: 'default' },
  available_integration: ['default'],
  allow_ticket_creation: true,
  show_listing: true,
  show_communication_info: false,
  show_support_dris: false,
  enable_dris: false,
  support_communication: [],
  support_email: off,
  support_phone: off,
  support_faq: off,
};

@Injectable()
export class GeneralConfigs {
  private readonly file: GeneralConfigFile;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.file = existsSync(settings.generalConfigFile) ? parse(settings.generalConfigFile) : {};
  }

  /** Built-in defaults, then the file's `default`, then the company's own entry (top-level fields replace). */
  forCompany(companyId: string): GeneralConfigDetails {
    // A stable ObjectId-shaped id per company, as clients expect `_id` to look.
    const _id = createHash('sha256').update(`general-config:${companyId}`).digest('hex').slice(0, 24);
    return { ...BUILT_IN_CONFIG, ...this.file.default, ...this.file.companies?.[companyId], _id };
  }
}

function parse(path: string): GeneralConfigFile {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const ok =
    isObject(value) &&
    (value.default === undefined || isObject(value.default)) &&
    (value.companies === undefined || (isObject(value.companies) && Object.values(value.companies).every(isObject)));
  if (!ok) throw new Error(`${path} must be {"default": {...}, "companies": {"<company_id>": {...}}}`);
  const file = value as GeneralConfigFile;
  const entries: [string, Record<string, unknown> | undefined][] = [
    ['default', file.default],
    ...Object.entries(file.companies ?? {}).map(([id, entry]): [string, Record<string, unknown>] => [`companies.${id}`, entry]),
  ];
  for (const [where, entry] of entries) if (entry) normalizeCommunication(entry, `${path}: ${where}.support_communication`);
  return file;
}

/**
 * `support_communication` is a list of `{type, title, description, enabled}` in GeneralConfigDetails (every
 * SDK model a method returns, reference 4.11). SDK 1.2.0's unused SupportGeneralConfig model had one
 * CommunicationDetails object there, and config files written after it may hold one: such an object is
 * served as a list of that one entry, so clients always get the documented shape.
 */
function normalizeCommunication(entry: Record<string, unknown>, where: string): void {
  const value = entry.support_communication;
  if (value === undefined || Array.isArray(value)) return;
  if (typeof value === 'object' && value !== null) entry.support_communication = [value];
  else throw new Error(`${where} must be a list of {type, title, description, enabled} (or one such object)`);
}
