export { PrivacyEventType, privacyPersonalData, privacyStream } from './privacy.events';
export type { DataSubjectErased, PrivacyEvent } from './privacy.events';
