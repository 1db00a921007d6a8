/** Where the password reset pages live (under /login, with the sign-in pages); the login page links to the first. */
export const RESET_PATHS = { forgot: '/login/forgot-password', reset: '/login/reset-password' } as const;
