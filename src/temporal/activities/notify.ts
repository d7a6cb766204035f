import type { NotificationInput, Notifier } from '../../providers/notifier/index.js';

export function notifyActivities(deps: { notifier: () => Notifier }) {
  return {
    async notify(n: NotificationInput): Promise<void> {
      await deps.notifier().notify(n);
    },
  };
}
