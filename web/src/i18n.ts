/** A tiny dictionary: Russian by default, English available (Settings, or ?lang=en). */
const ru = {
  appTitle: 'Чаты',
  login: 'Войти',
  username: 'Имя пользователя',
  password: 'Пароль',
  orToken: 'или вставьте токен платформы (для разработки)',
  token: 'Токен платформы',
  useToken: 'Войти с токеном',
  logout: 'Выйти',
  loginFailed: 'Не удалось войти',
  chats: 'Чаты',
  noChats: 'Пока нет чатов',
  noMessages: 'Сообщений пока нет',
  message: 'Сообщение',
  send: 'Отправить',
  edit: 'Изменить',
  delete: 'Удалить',
  reply: 'Ответить',
  cancel: 'Отмена',
  save: 'Сохранить',
  edited: 'изменено',
  deleted: 'Сообщение удалено',
  photo: 'Фото',
  voice: 'Голосовое',
  location: 'Местоположение',
  attach: 'Прикрепить фото',
  record: 'Записать голосовое',
  stop: 'Остановить',
  retry: 'Повторить',
  failed: 'Не отправлено',
  sending: 'Отправляется…',
  read: 'Прочитано',
  delivered: 'Отправлено',
  typing: 'печатает…',
  online: 'в сети',
  offline: 'не в сети',
  connecting: 'Соединение…',
  loadingOlder: 'Загрузка…',
  members: 'Участники',
  role_owner: 'владелец',
  role_admin: 'админ',
  role_member: 'участник',
  makeAdmin: 'Сделать админом',
  makeMember: 'Сделать участником',
  remove: 'Удалить из чата',
  invites: 'Ссылки-приглашения',
  createInvite: 'Создать ссылку',
  copy: 'Копировать',
  copied: 'Скопировано',
  join: 'Вступить',
  inviteTo: 'Приглашение в чат',
  inviteExpired: 'Ссылка больше не действует',
  search: 'Поиск',
  searchPlaceholder: 'Поиск по сообщениям',
  nothingFound: 'Ничего не найдено',
  settings: 'Настройки',
  language: 'Язык',
  notifications: 'Уведомления',
  pushOn: 'Включить уведомления в браузере',
  pushOff: 'Уведомления в браузере включены',
  pushUnavailable: 'Уведомления в браузере недоступны на этом сервере',
  pushDenied: 'Браузер запретил уведомления',
  level_all: 'Все сообщения',
  level_mentions: 'Только упоминания',
  level_none: 'Без уведомлений',
  back: 'Назад',
  info: 'О чате',
  uploading: 'Загрузка',
  locationDenied: 'Не удалось получить местоположение',
  openMap: 'Открыть карту',
  micDenied: 'Нет доступа к микрофону',
  you: 'Вы',
  error: 'Ошибка',
};

export type Key = keyof typeof ru;

const en: Record<Key, string> = {
  appTitle: 'Chats',
  login: 'Log in',
  username: 'Username',
  password: 'Password',
  orToken: 'or paste a platform token (development)',
  token: 'Platform token',
  useToken: 'Log in with the token',
  logout: 'Log out',
  loginFailed: 'Could not log in',
  chats: 'Chats',
  noChats: 'No chats yet',
  noMessages: 'No messages yet',
  message: 'Message',
  send: 'Send',
  edit: 'Edit',
  delete: 'Delete',
  reply: 'Reply',
  cancel: 'Cancel',
  save: 'Save',
  edited: 'edited',
  deleted: 'Message deleted',
  photo: 'Photo',
  voice: 'Voice message',
  location: 'Location',
  attach: 'Attach a photo',
  record: 'Record a voice message',
  stop: 'Stop',
  retry: 'Retry',
  failed: 'Not sent',
  sending: 'Sending…',
  read: 'Read',
  delivered: 'Sent',
  typing: 'is typing…',
  online: 'online',
  offline: 'offline',
  connecting: 'Connecting…',
  loadingOlder: 'Loading…',
  members: 'Members',
  role_owner: 'owner',
  role_admin: 'admin',
  role_member: 'member',
  makeAdmin: 'Make admin',
  makeMember: 'Make member',
  remove: 'Remove from chat',
  invites: 'Invite links',
  createInvite: 'Create a link',
  copy: 'Copy',
  copied: 'Copied',
  join: 'Join',
  inviteTo: 'Invitation to a chat',
  inviteExpired: 'The link no longer works',
  search: 'Search',
  searchPlaceholder: 'Search messages',
  nothingFound: 'Nothing found',
  settings: 'Settings',
  language: 'Language',
  notifications: 'Notifications',
  pushOn: 'Turn on browser notifications',
  pushOff: 'Browser notifications are on',
  pushUnavailable: 'Browser notifications are not available on this server',
  pushDenied: 'The browser blocked notifications',
  level_all: 'All messages',
  level_mentions: 'Mentions only',
  level_none: 'None',
  back: 'Back',
  info: 'Chat info',
  uploading: 'Uploading',
  locationDenied: 'Could not get the location',
  openMap: 'Open the map',
  micDenied: 'No access to the microphone',
  you: 'You',
  error: 'Error',
};

export type Lang = 'ru' | 'en';
const dictionaries: Record<Lang, Record<Key, string>> = { ru, en };

function initialLang(): Lang {
  const asked = new URLSearchParams(location.search).get('lang') ?? localStorage.getItem('lang');
  return asked === 'en' ? 'en' : 'ru';
}

let lang: Lang = initialLang();

export const getLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem('lang', next);
  document.documentElement.lang = next;
}

export const t = (key: Key): string => dictionaries[lang][key];

export function formatTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return d.toLocaleString(
    lang === 'ru' ? 'ru-RU' : 'en-GB',
    today
      ? { hour: '2-digit', minute: '2-digit' }
      : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' },
  );
}
