import { PersonalDataDeclaration } from './personal-data';

/** Injection token: the per-subject key store (key-store.ts), provided by the event-store module. */
export const KEY_STORE = Symbol('KEY_STORE');
/** Injection token: every module's personal-data declaration, from the composition root (app.personal-data.ts). */
export const PERSONAL_DATA_DECLARATIONS = Symbol('PERSONAL_DATA_DECLARATIONS');

export type PersonalDataDeclarations = readonly PersonalDataDeclaration[];
