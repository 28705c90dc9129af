// The audit module's public face: the public form of an event (what the change feed gives) and which events
// belong to a company's feed. Webhook deliveries use both, so a delivery never says more than the feed.
export { FeedItem, INTERNAL_DATA_FIELDS, belongsTo, feedItem } from './change-feed';
export { formatPosition, parsePosition } from './positions';
