import type { Command } from '../../cli/command.js';

/** 証 from the command line (the 一斉更新 job lands here). */
export const certificatesCommands: Record<string, Command> = {};
