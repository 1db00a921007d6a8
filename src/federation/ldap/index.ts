export { ldapDirectory } from './directory.js';
