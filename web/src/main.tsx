import { render } from 'preact';
import { useState } from 'preact/hooks';
import { ChatInfo } from './ChatInfo.tsx';
import { ChatList } from './ChatList.tsx';
import { ChatView } from './ChatView.tsx';
import { getLang, setLang, t, type Lang } from './i18n.ts';
import { InvitePage } from './InvitePage.tsx';
import { Login } from './Login.tsx';
import { NewChat } from './NewChat.tsx';
import { usePath } from './router.ts';
import { SearchPage } from './SearchPage.tsx';
import { useSession } from './session.ts';
import { SettingsPage } from './SettingsPage.tsx';
import './style.css';

function Root() {
  const session = useSession();
  const path = usePath();
  const [lang, setLangState] = useState<Lang>(getLang());
  const changeLang = (next: Lang) => {
    setLang(next);
    setLangState(next);
  };
  document.title = t('appTitle');
  if (!session.app)
    return (
      <Login
        key={lang}
        onLocal={session.loginLocal}
        onToken={session.loginToken}
        lang={lang}
        setLang={changeLang}
      />
    );
  const app = session.app;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/chat\/(\d+)\/info$/)))
    return <ChatInfo key={lang + m[1]} app={app} chatId={Number(m[1])} />;
  if ((m = path.match(/^\/chat\/(\d+)$/))) return <ChatView key={m[1]} app={app} chatId={Number(m[1])} />;
  if ((m = path.match(/^\/invite\/([^/]+)$/)))
    return <InvitePage app={app} code={decodeURIComponent(m[1])} />;
  if (path === '/search') return <SearchPage app={app} />;
  if (path === '/new') return <NewChat app={app} />;
  if (path === '/settings') return <SettingsPage app={app} lang={lang} setLang={changeLang} />;
  return <ChatList app={app} />;
}

render(<Root />, document.getElementById('root')!);

if ('serviceWorker' in navigator && import.meta.env.PROD)
  void navigator.serviceWorker
    .register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
    .catch(() => {});
