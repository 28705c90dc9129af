import { APPS } from './test-app';

/** Routes and a sample form for the forms end-to-end suites. Staff form routes: app a of company 1 unless told. */
export const STAFF_FORMS = (app: string = APPS.a.application_id, company = '1') =>
  `/service/platform/lead/v1.0/company/${company}/application/${app}/form`;
export const SHOP = '/service/application/lead/v1.0';

/** A form with assignees, a regex and a dropdown. */
export const CONTACT = {
  slug: 'contact',
  title: 'Contact us',
  priority: 'high',
  description: 'Tell us',
  success_message: 'Thanks!',
  should_notify: true,
  poll_for_assignment: { duration: 20, message: 'Looking', success_message: 'Found', failure_message: 'Busy' },
  available_assignees: ['agent-1', 'agent-2'],
  inputs: [
    { key: 'name', display: 'Name', type: 'text', required: true, placeholder: 'Your name' },
    { key: 'email', display: 'Email', type: 'email', regex: '^\\S+@\\S+$', showRegexInput: true, error_message: 'An email please' },
    {
      key: 'topic',
      display: 'Topic',
      type: 'dropdown',
      enum: [
        { display: 'Orders', key: 'orders' },
        { display: 'Other', key: 'other' },
      ],
    },
  ],
};
