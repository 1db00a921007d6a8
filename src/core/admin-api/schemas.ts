import { Type, type TSchema } from '@sinclair/typebox';

/** Shapes shared by the admin API's resources. */

export const Id = Type.String({ minLength: 1, maxLength: 200 });
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** RFC 9457 problem details, with `errors` naming each invalid field. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), detail: Type.String() }))),
});

/** Whether a membership or grant call changed anything (false: it was already so). */
export const Changed = Type.Object({ changed: Type.Boolean() });
