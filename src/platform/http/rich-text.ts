import { Transform } from 'class-transformer';
import sanitizeHtml from 'sanitize-html';

/**
 * The one rule for HTML (docs/guarantees.md "HTML"): the few fields that Fynd clients render as HTML (a ticket's
 * description, a history entry's `value.text`, a form's description and success message) are rich text,
 * cleaned on write to this allow-list; every other string is plain text, stored and returned as sent.
 * What is not allowed goes: tags are dropped (the text inside stays, except in script, style and the
 * like), attributes too; `a` keeps only an http, https or mailto `href`. Bare `<`, `>` and `&` in text come
 * back as entities, which a client rendering HTML shows as the characters. Cleaning twice changes nothing.
 */
const RICH_TEXT: sanitizeHtml.IOptions = {
  allowedTags: ['b', 'i', 'u', 'em', 'strong', 'br', 'p', 'ul', 'ol', 'li', 'a', 'code', 'pre', 'blockquote'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
};

export function cleanRichText(html: string): string {
  return sanitizeHtml(html, RICH_TEXT);
}

/** DTO field that is rich text: cleaned before validation, so length bounds apply to what is stored. */
export const RichText = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? cleanRichText(value) : value));

/** DTO object field whose `key` member (when a string) is rich text, e.g. a history entry's `value.text`. */
export const RichTextMember = (key: string) =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const member = (value as Record<string, unknown>)[key];
    return typeof member === 'string' ? { ...value, [key]: cleanRichText(member) } : value;
  });
