/** The readable-ed25519 generator lives in util/ (tests, the client side and the simulator share it). */
export * from '../../util/ssh-keys.ts';
