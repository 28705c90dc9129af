import { declarePersonalData } from '../../platform/privacy/personal-data';

/**
 * Privacy events, one stream per company (`privacy-<company_id>`): the audit record of erasures. The `type`
 * strings are stored forever: never rename one, add a new type instead. No personal data: the subject is named
 * by a keyed digest of its id (recomputable by whoever holds the audit key and the id), never by the id.
 */
export const PrivacyEventType = { DataSubjectErased: 'DataSubjectErased' } as const;

export interface DataSubjectErased {
  readonly type: typeof PrivacyEventType.DataSubjectErased;
  readonly data: {
    readonly company_id: string;
    /** HMAC-SHA256 under the audit key of `subject\n<company_id>/<user_id>` (hex). */
    readonly subject_digest: string;
    /** Who asked: the staff member (or API client) as the request's actor. */
    readonly requested_by: { readonly type: string; readonly id: string; readonly client_id?: string };
    readonly erased_at: string;
  };
}

export type PrivacyEvent = DataSubjectErased;

export const privacyStream = (companyId: string) => `privacy-${companyId}`;

export const privacyPersonalData = declarePersonalData<PrivacyEvent>({
  name: 'privacy',
  events: { DataSubjectErased: { company_id: 'none', subject_digest: 'none', requested_by: 'none', erased_at: 'none' } },
  subjects: () => ({}),
});
