/**
 * The state file as the daemon's layers above see it (server/, the CLI's token and daemon
 * commands): gitops/ owns the daemon's history, held plans and API tokens, so they reach the
 * SQLite store through here instead of importing state/ past gitops/ and app/.
 */
export { openStateStore, type CertificateRecord, type StateStore, type TokenScope } from '../state/index.ts';
