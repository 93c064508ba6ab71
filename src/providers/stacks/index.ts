export { deriveStacks, stackAddress, STACK_KIND, type StackDesired, type DeriveStacksInput } from './derive.ts';
export { stacksHandler, type StacksHandlerOptions } from './handler.ts';
export { stackStatus, type StackServiceStatus } from './status.ts';
export { loadCompose, ComposeError, DEFAULT_COMPOSE_SCHEMA } from './compose.ts';
