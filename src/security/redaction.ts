/** Log redaction (pino): personal fields never reach the logs. */
export const REDACT_PATHS = [
  'myNumber', '*.myNumber', 'password', '*.password', 'code', '*.code', 'req.headers.cookie', 'req.headers["x-csrf-token"]',
  'name', '*.name', 'nameKanji', '*.nameKanji', 'nameKana', '*.nameKana', 'birthDate', '*.birthDate', 'address', '*.address',
];
