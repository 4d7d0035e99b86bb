// The UI's one door to the Rust shell: typed wrappers over `invoke`, the event names and
// `listen` helpers. Types mirror crates/app/src/dto.rs (camelCase) and docs/IPC.md; change all
// three together.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// ---------------------------------------------------------------------------------------
// Types

export type Region = "us" | "eu" | "au";
export type ConversationState = "open" | "closed" | "snoozed";
export type ReplyKind = "comment" | "note";

export interface AppInfo {
  name: string;
  version: string;
  dataDir: string;
  logDir: string;
  /** What the tray's tooltip says now. */
  trayTooltip: string;
  /** Set when the previous run stopped unexpectedly (a crash): shown once at start. */
  lastCrash: CrashNotice | null;
}

/** The previous run stopped unexpectedly: when (unix seconds), and the log that says why. */
export interface CrashNotice {
  at: number;
  logFile: string;
}

/** Errors from commands arrive as `{code, message}`; the UI branches on `code` only. */
export interface CommandError {
  code: ErrorCode | string;
  message: string;
}

export type ErrorCode =
  | "unauthorized"
  | "forbidden"
  | "wrong_region"
  | "offline"
  | "rate_limited"
  | "not_found"
  | "invalid_input"
  | "unsent_outbox"
  | "no_session"
  | "internal";

export interface Team {
  id: string;
  name: string;
}

export interface Admin {
  id: string;
  name: string;
  email: string;
  away: boolean;
}

export interface Session {
  workspaceId: string;
  workspaceName: string;
  region: Region;
  adminId: string;
  adminName: string;
  demo: boolean;
  teams: Team[];
}

export interface TokenCheck {
  workspaceId: string;
  workspaceName: string;
  region: Region;
  tokenAdminId: string;
  admins: Admin[];
}

export interface WorkspaceSummary {
  id: string;
  name: string;
  region: Region;
  adminName: string;
  active: boolean;
  demo: boolean;
}

export interface ViewCount {
  id: string;
  name: string;
  total: number;
  unread: number;
}

export interface ConversationRow {
  id: string;
  contactName: string;
  subject: string;
  snippet: string;
  lastActivityAt: number;
  assigneeName: string | null;
  unread: boolean;
  pending: boolean;
  failed: boolean;
  state: ConversationState;
  /** Marked priority in Intercom (issue 14). */
  priority: boolean;
  tags: Tag[];
  sla: Sla | null;
}

/** One page of a keyset-paged list. */
export interface Page<T> {
  rows: T[];
  nextCursor: string | null;
}

export type ConversationPage = Page<ConversationRow>;

/** How a conversation list is ordered: by last activity, or priority ones first (each group by last activity). */
export type ListSort = "recent" | "priority_first";

export interface Tag {
  id: string;
  name: string;
}

/** A service-level agreement on a conversation; `dueAt` counts down while `status` is `active`. */
export interface Sla {
  name: string;
  status: "active" | "hit" | "missed" | "cancelled";
  dueAt: number | null;
}

export type AttributeType = "string" | "integer" | "float" | "boolean" | "datetime" | "list";
export type AttributeValue = string | number | boolean | null;

/** A ticket or conversation attribute; `label` is `name` when Intercom gives none; `options` for `list`. */
export interface Attribute {
  name: string;
  label: string;
  dataType: AttributeType;
  value: AttributeValue;
  options: string[] | null;
  required: boolean;
  editable: boolean;
}

/** An attribute change sent to the backend. */
export interface AttributeChange {
  name: string;
  value: AttributeValue;
}

export type TicketState = "submitted" | "in_progress" | "waiting_on_customer" | "resolved";

export interface TicketRow {
  id: string;
  /** The customer-facing ticket number (Intercom's `ticket_id`). */
  number: string;
  title: string;
  ticketTypeId: string;
  ticketTypeName: string;
  state: TicketState;
  contactName: string;
  lastActivityAt: number;
  assigneeName: string | null;
  unread: boolean;
  pending: boolean;
  failed: boolean;
  tags: Tag[];
}

export type TicketPage = Page<TicketRow>;

export interface TicketType {
  id: string;
  name: string;
  /** The type's attributes, values null. */
  attributes: Attribute[];
}

/** A ticket id to tag, or a conversation id. */
export type TaggableKind = "conversation" | "ticket";

export interface Attachment {
  name: string;
  url: string;
  sizeBytes: number;
  contentType: string;
}

export interface Part {
  id: string;
  /** `state_change` only in tickets: `eventText` says "Ticket moved to In progress". */
  kind: "message" | "note" | "event" | "state_change";
  authorKind: "contact" | "admin" | "bot";
  authorName: string;
  createdAt: number;
  /** Sanitized in Rust (ammonia); the only HTML the UI ever injects. */
  bodyHtml: string;
  eventText: string | null;
  attachments: Attachment[];
  redacted: boolean;
}

export interface OutboxItem {
  id: string;
  conversationId: string;
  kind: string;
  summary: string;
  state: "pending" | "in_doubt" | "failed" | "sent";
  error: string | null;
  createdAt: number;
}

export interface ConversationDetail {
  id: string;
  title: string;
  state: ConversationState;
  snoozedUntil: number | null;
  adminAssigneeId: string | null;
  teamAssigneeId: string | null;
  contactId: string;
  contactName: string;
  parts: Part[];
  pending: OutboxItem[];
  remoteImagesBlocked: boolean;
  priority: boolean;
  tags: Tag[];
  sla: Sla | null;
  attributes: Attribute[];
}

export interface TicketDetail {
  id: string;
  number: string;
  title: string;
  ticketTypeId: string;
  ticketTypeName: string;
  state: TicketState;
  adminAssigneeId: string | null;
  teamAssigneeId: string | null;
  contactId: string;
  contactName: string;
  attributes: Attribute[];
  parts: Part[];
  /** Unsent items (failed ones included); their `conversationId` is the ticket's id. */
  pending: OutboxItem[];
  tags: Tag[];
  remoteImagesBlocked: boolean;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface ContactPanel {
  id: string;
  name: string;
  email: string;
  company: string;
  location: string;
  customAttributes: KeyValue[];
  recentConversations: { id: string; subject: string; state: ConversationState; lastActivityAt: number }[];
  events: { name: string; createdAt: number; metadata: KeyValue[] }[];
  summaries: { name: string; count: number; first: number; last: number }[];
}

export interface SnippetSegment {
  text: string;
  match: boolean;
}

export interface SearchHit {
  kind?: "conversation" | "ticket";
  /** Set for tickets (`conversationId` is then empty). */
  ticketId?: string | null;
  conversationId: string;
  contactName: string;
  subject: string;
  lastActivityAt: number;
  snippet: SnippetSegment[];
}

export interface Settings {
  notifyViews: string[];
  sound: boolean;
  hideMessageText: boolean;
  pollIntervalSecs: number;
  startAtLogin: boolean;
  startHidden: boolean;
  closeToTray: boolean;
  doNotDisturb: boolean;
}

export interface SavedReply {
  id: string;
  title: string;
  body: string;
}

export interface SyncStatus {
  online: boolean;
  lastSyncAt: number | null;
  offlineSince: number | null;
  backfill: { done: number; total: number } | null;
  error: { code: string; message: string } | null;
  notificationsAvailable: boolean;
  notificationsProblem: string | null;
  /** Set while the workspace's token is in the private file (no keychain service): say so. */
  tokenNotice: string | null;
}

export type Assignee = { kind: "admin"; id: string } | { kind: "team"; id: string } | { kind: "nobody" };

export interface Directory {
  admins: Admin[];
  teams: Team[];
}

export interface OpenConversation {
  id: string;
  /** Text for the composer, from a link; never replaces an unsent draft (the composer asks). */
  prefill: string | null;
  /** An agentdesk:// link asked (anyone can make one): the conversation is not marked read. */
  fromLink: boolean;
}

// ---------------------------------------------------------------------------------------
// Errors

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as CommandError).code === "string" &&
    typeof (value as CommandError).message === "string"
  );
}

/** Any rejection as a `{code, message}`: non-contract errors become `internal`. */
export function toCommandError(value: unknown): CommandError {
  if (isCommandError(value)) return value;
  return { code: "internal", message: value instanceof Error ? value.message : String(value) };
}

// ---------------------------------------------------------------------------------------
// Commands

export const getAppInfo = () => invoke<AppInfo>("get_app_info");
export const getSession = () => invoke<Session | null>("get_session");
export const openDemo = () => invoke<Session>("open_demo");
export const checkToken = (token: string, region: Region) => invoke<TokenCheck>("check_token", { token, region });
export const connectWorkspace = (token: string, region: Region, adminId: string) =>
  invoke<Session>("connect_workspace", { token, region, adminId });
export const listWorkspaces = () => invoke<WorkspaceSummary[]>("list_workspaces");
export const switchWorkspace = (id: string) => invoke<Session>("switch_workspace", { id });
export const removeWorkspace = (id: string) => invoke<null>("remove_workspace", { id });
export const setActingAdmin = (adminId: string) => invoke<Session>("set_acting_admin", { adminId });
export const logout = (force: boolean) => invoke<null>("logout", { force });

export const getViewCounts = () => invoke<ViewCount[]>("get_view_counts");
/** `view` may be `tag:<tagId>`; `sort` defaults to `recent` on the Rust side. */
export const listConversations = (view: string, cursor: string | null, limit: number, sort: ListSort = "recent") =>
  invoke<ConversationPage>("list_conversations", { view, cursor, limit, sort });
export const getConversation = (id: string, loadImages: boolean) =>
  invoke<ConversationDetail>("get_conversation", { id, loadImages });
export const markRead = (id: string) => invoke<null>("mark_read", { id });
/** Added by UI (docs/IPC.md): which conversation is on screen, for notification suppression. */
export const setOpenConversation = (id: string | null) => invoke<null>("set_open_conversation", { id });
export const markUnread = (id: string) => invoke<null>("mark_unread", { id });

export const sendReply = (conversationId: string, body: string, kind: ReplyKind) =>
  invoke<OutboxItem>("send_reply", { conversationId, body, kind });
export const closeConversation = (id: string) => invoke<OutboxItem>("close_conversation", { id });
export const reopenConversation = (id: string) => invoke<OutboxItem>("reopen_conversation", { id });
export const snoozeConversation = (id: string, until: number) =>
  invoke<OutboxItem>("snooze_conversation", { id, until });
export const assignConversation = (id: string, assignee: Assignee) =>
  invoke<OutboxItem>("assign_conversation", { id, assignee });
export const retryOutbox = (id: string) => invoke<null>("retry_outbox", { id });
export const discardOutbox = (id: string) => invoke<null>("discard_outbox", { id });

// Tickets, tags, priority and attributes (issue 14). Every write returns an OutboxItem at once.
/** `state` null: every open state (not resolved). */
export const listTickets = (state: TicketState | null, ticketTypeId: string | null, cursor: string | null, limit: number) =>
  invoke<TicketPage>("list_tickets", { state, ticketTypeId, cursor, limit });
export const getTicket = (id: string, loadImages: boolean) => invoke<TicketDetail>("get_ticket", { id, loadImages });
export const listTicketTypes = () => invoke<TicketType[]>("list_ticket_types");
export const updateTicket = (id: string, change: { state?: TicketState; attributes?: AttributeChange[] }) =>
  invoke<OutboxItem>("update_ticket", { id, ...change });
export const replyTicket = (ticketId: string, body: string, kind: ReplyKind) =>
  invoke<OutboxItem>("reply_ticket", { ticketId, body, kind });
export const listTags = () => invoke<Tag[]>("list_tags");
/** An unsent reply or note kept in the workspace's cache (issue 22). */
export interface StoredDraft {
  id: string;
  kind: ReplyKind;
  text: string;
  updatedAt: number;
}
/**
 * Keeps the composer's text for a conversation or ticket of the workspace `workspaceId`; a
 * blank text deletes the draft. `stale_workspace` when that workspace is no longer the open one.
 */
export const saveDraft = (workspaceId: string, id: string, kind: ReplyKind, text: string) =>
  invoke<null>("save_draft", { workspaceId, id, kind, text });
export const listDrafts = () => invoke<StoredDraft[]>("list_drafts");
/** `not_found` when the cache no longer has the tag (removed in Intercom). */
export const tagItem = (kind: TaggableKind, id: string, tagId: string) => invoke<OutboxItem>("tag_item", { kind, id, tagId });
export const untagItem = (kind: TaggableKind, id: string, tagId: string) => invoke<OutboxItem>("untag_item", { kind, id, tagId });
/** Conversations only. */
export const setPriority = (id: string, priority: boolean) => invoke<OutboxItem>("set_priority", { id, priority });
export const updateConversationAttributes = (id: string, attributes: AttributeChange[]) =>
  invoke<OutboxItem>("update_conversation_attributes", { id, attributes });

export const getDirectory = () => invoke<Directory>("get_directory");
export const getContactPanel = (contactId: string) => invoke<ContactPanel>("get_contact_panel", { contactId });
export const trackEvent = (contactId: string, name: string, metadata: KeyValue[]) =>
  invoke<OutboxItem>("track_event", { contactId, name, metadata });

export const search = (query: string, limit: number) => invoke<SearchHit[]>("search", { query, limit });

export const getSettings = () => invoke<Settings>("get_settings");
export const updateSettings = (settings: Partial<Settings>) => invoke<Settings>("update_settings", { settings });

export const listSavedReplies = () => invoke<SavedReply[]>("list_saved_replies");
export const saveSavedReply = (reply: SavedReply) => invoke<SavedReply[]>("save_saved_reply", { reply });
export const deleteSavedReply = (id: string) => invoke<SavedReply[]>("delete_saved_reply", { id });

export const syncNow = () => invoke<null>("sync_now");
export const getStatus = () => invoke<SyncStatus>("get_status");
export const openExternal = (url: string) => invoke<null>("open_external", { url });
/** Tells the shell the first screen is interactive (start-up benchmarks read it). */
export const markReady = () => invoke<null>("mark_ready");
/** The conversation a link or notification asked to open before the inbox listened, if any. */
export const takePendingOpen = () => invoke<OpenConversation | null>("take_pending_open");

// ---------------------------------------------------------------------------------------
// Events (Rust to UI)

export const EVENTS = {
  counts: "inbox://counts",
  changed: "inbox://changed",
  status: "sync://status",
  session: "session://changed",
  openConversation: "app://open-conversation",
  showView: "app://show-view",
} as const;

export interface EventPayloads {
  [EVENTS.counts]: ViewCount[];
  /** `ticketIds` absent or empty when no ticket changed. */
  [EVENTS.changed]: { conversationIds: string[]; ticketIds?: string[] };
  [EVENTS.status]: SyncStatus;
  [EVENTS.session]: Session | null;
  [EVENTS.openConversation]: OpenConversation;
  [EVENTS.showView]: string;
}

/** Subscribes to one backend event with its typed payload. */
export function on<E extends keyof EventPayloads>(
  event: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(event, (e) => handler(e.payload));
}

/** Subscribes to several events; the returned function unsubscribes from all of them. */
export function onAll(subscriptions: Promise<UnlistenFn>[]): () => void {
  let done = false;
  const unlisteners: UnlistenFn[] = [];
  for (const s of subscriptions) {
    void s.then((u) => (done ? u() : unlisteners.push(u)));
  }
  return () => {
    done = true;
    for (const u of unlisteners.splice(0)) u();
  };
}
