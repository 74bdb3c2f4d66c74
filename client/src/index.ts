export { ChatClient, type ChatClientOptions, type ChatSocket, type SendHandle } from './client.ts';
export {
  localTokens,
  login,
  TokenManager,
  type LocalTokensOptions,
  type Session,
  type TokenProvider,
} from './auth.ts';
export { createRestClient, unwrap, type RestClient } from './rest.ts';
export {
  ChatStore,
  type ChatMessage,
  type ChatMessages,
  type ConnectionState,
  type OutgoingMessage,
  type Snapshot,
  type StoredMessage,
} from './store.ts';
export { uploadAttachment, type UploadOptions, type UploadProgress, type UploadSource } from './upload.ts';
export {
  ChatApiError,
  type Attachment,
  type Chat,
  type ErrorBody,
  type Member,
  type Message,
  type Reaction,
  type SendMessageInput,
  type User,
} from './types.ts';
export type * as OpenApi from './generated/openapi.ts';
export type {
  Ack,
  ClientEvents,
  ClientToServerEvents,
  ServerEvents,
  ServerToClientEvents,
} from './generated/socket.ts';
