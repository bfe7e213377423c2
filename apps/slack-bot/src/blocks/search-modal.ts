import type { types } from '@slack/bolt';
import type { SuggestedSearch } from '../message-query.js';
import { type Block, clip } from './limits.js';

type ModalView = types.ModalView;

import { context } from './text.js';

export const SEARCH_SHORTCUT_ID = 'sumo_search_message';
export const SEARCH_MODAL_ID = 'sumo_search_modal';
export const MODAL_FIELDS = {
  query: { block: 'sumo_query', action: 'query' },
  from: { block: 'sumo_from', action: 'from' },
  to: { block: 'sumo_to', action: 'to' },
} as const;

/** Slack's limits for a modal: title 24 characters, private_metadata 3,000, input values 3,000. */
const TITLE_MAX = 24;

function textInput(
  field: keyof typeof MODAL_FIELDS,
  label: string,
  initial: string,
  hint: string,
  multiline = false,
): Block {
  const { block, action } = MODAL_FIELDS[field];
  return {
    type: 'input',
    block_id: block,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: {
      type: 'plain_text_input',
      action_id: action,
      initial_value: clip(initial, 3_000),
      multiline,
    },
  };
}

/**
 * "Search in Sumo" on a message: the query built from it and a range, for the person to edit;
 * the channel travels in private_metadata so the search thread starts where the message is.
 */
export function searchModal(suggested: SuggestedSearch, channelId: string): ModalView {
  return {
    type: 'modal',
    callback_id: SEARCH_MODAL_ID,
    private_metadata: JSON.stringify({ channelId }),
    title: { type: 'plain_text', text: clip('Search in Sumo', TITLE_MAX) },
    submit: { type: 'plain_text', text: 'Search' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      textInput('query', 'Query', suggested.query, 'Sumo Logic query; edit it as you like.', true),
      textInput('from', 'From', suggested.from, 'e.g. -1h, -24h, 2026-11-25T09:00:00Z'),
      textInput('to', 'To', suggested.to, 'e.g. now, -5m, an ISO time'),
      context('The search thread starts in the channel of the message, as you.'),
    ],
  };
}
