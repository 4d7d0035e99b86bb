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
}

export interface ConversationPage {
  rows: ConversationRow[];
  nextCursor: string | null;
}

export interface Attachment {
  name: string;
  url: string;
  sizeBytes: number;
  contentType: string;
}

export interface Part {
  id: string;
  kind: "message" | "note" | "event";
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
export const listConversations = (view: string, cursor: string | null, limit: number) =>
  invoke<ConversationPage>("list_conversations", { view, cursor, limit });
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
  [EVENTS.changed]: { conversationIds: string[] };
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
