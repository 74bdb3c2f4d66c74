import { ESLint, type Linter } from 'eslint';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import tseslint from 'typescript-eslint';

interface FolderDagModule {
  FOLDER_DAG: string[];
  folderBoundaries: Linter.Config;
}

// eslint.config.mjs takes the rule from this CommonJS file; loaded as it is, not through the TS compiler.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FOLDER_DAG, folderBoundaries } = require('../eslint.boundaries.cjs') as FolderDagModule;

const ROOT = join(__dirname, '..');

/**
 * The folder DAG rule of `npm run lint`, run on code that is not in the tree: files given by
 * path and text, importing real files of src/. Only the rule itself, with a parser that needs no
 * type information, so the files need not exist.
 */
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, folderBoundaries],
});

/** The folder DAG's complaints about `code` saved as `filePath`. */
async function violations(filePath: string, code: string): Promise<string[]> {
  // An import of a file that is not there goes unchecked by the rule: the probes import real files.
  for (const [, specifier] of code.matchAll(/['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const imported = `${join(dirname(filePath), specifier)}.ts`;
    expect({ imported, exists: existsSync(join(ROOT, imported)) }).toEqual({ imported, exists: true });
  }
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  expect(result.messages.filter((message) => message.fatal)).toEqual([]);
  return result.messages
    .filter((message) => message.ruleId === 'boundaries/dependencies')
    .map((message) => message.message);
}

describe('The folder DAG rule (lint)', () => {
  it('places every top-level folder of src/ once, the app first', () => {
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    // A folder missing from the list would escape the rule: its imports go unchecked.
    expect(folders.filter((folder) => !FOLDER_DAG.includes(folder))).toEqual([]);
    expect(FOLDER_DAG[0]).toBe('app');
    expect(new Set(FOLDER_DAG).size).toBe(FOLDER_DAG.length);
  });

  it('allows importing a folder below, and within a folder', async () => {
    expect(
      await violations(
        'src/realtime/probe.ts',
        "import { ChatsService } from '../chats/chats.service';\n" +
          "import { escapeLike } from '../common/time.util';\n" +
          "import { RealtimeServer } from './realtime.server';\n" +
          'export const used = [ChatsService, escapeLike, RealtimeServer];\n',
      ),
    ).toEqual([]);
  });

  it('fails on an import of a folder above', async () => {
    expect(
      await violations(
        'src/common/probe.ts',
        "import { RealtimeServer } from '../realtime/realtime.server';\nexport const used = RealtimeServer;\n",
      ),
    ).toEqual([expect.stringContaining('"common" to elements of type "realtime"')]);
  });

  it('counts re-exports and dynamic imports as imports', async () => {
    expect(
      await violations(
        'src/common/probe.ts',
        "export { RealtimeServer } from '../realtime/realtime.server';\n" +
          "export const later = () => import('../chats/chats.service');\n",
      ),
    ).toEqual([
      expect.stringContaining('"common" to elements of type "realtime"'),
      expect.stringContaining('"common" to elements of type "chats"'),
    ]);
  });

  it('counts type-only imports too', async () => {
    expect(
      await violations(
        'src/config/probe.ts',
        "import type { FieldError } from '../common/errors/domain.errors';\nexport type Used = FieldError;\n",
      ),
    ).toEqual([expect.stringContaining('"config" to elements of type "common"')]);
  });

  it('fails on a cycle between two folders: one of its imports points up', async () => {
    const chatsToMembers = await violations(
      'src/chats/probe.ts',
      "import { MembersService } from '../members/members.service';\nexport const used = MembersService;\n",
    );
    const membersToChats = await violations(
      'src/members/probe.ts',
      "import { ChatsService } from '../chats/chats.service';\nexport const used = ChatsService;\n",
    );
    expect([...chatsToMembers, ...membersToChats]).toHaveLength(1);
  });

  it('treats the files directly in src/ as the app, which nothing may import', async () => {
    expect(
      await violations(
        'src/docs/probe.ts',
        "import { API_PREFIX } from '../app.factory';\nexport const used = API_PREFIX;\n",
      ),
    ).toEqual([expect.stringContaining('"docs" to elements of type "app"')]);
    expect(
      await violations(
        'src/probe.ts',
        "import { AppModule } from './app.module';\nimport { createApp } from './app.factory';\n" +
          "import { ChatsModule } from './chats/chats.module';\nexport const used = [AppModule, createApp, ChatsModule];\n",
      ),
    ).toEqual([]);
  });

  it('leaves specs out of the DAG', async () => {
    expect(
      await violations(
        'src/common/probe.spec.ts',
        "import { RealtimeServer } from '../realtime/realtime.server';\nexport const used = RealtimeServer;\n",
      ),
    ).toEqual([]);
  });
});
