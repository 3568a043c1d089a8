// Imported first by the daemon's entry (main.ts), as a side-effect import, before any module that
// builds a schema. zod decides per object schema, when the schema is built, whether it will
// compile a parser with `new Function` on its first parse, so setting this in main() came too
// late: every schema the modules build at import had already chosen the compiled path, and the
// CPU profile of start-up still showed zod's code generation (issue 14). Our schemas are parsed
// once at start or a few times a second, and the interpreted path measured faster on both counts
// (config parse 10-28 ms -> 2.5 ms, a repeat 0.35 -> 0.15 ms). A library setting, no I/O.
import * as z from "zod";

z.config({ jitless: true });
