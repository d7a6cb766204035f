// `npm run schedules:apply` | `npm run schedules:list` | `npm run schedules -- pause|resume|trigger daily|weekly`
import { loadConfigOrExit } from '../src/config.js';
import { Orchestrator } from '../src/temporal/client.js';
import { applySchedules, listSchedules, setSchedulePaused, triggerSchedule, type ScheduleName } from '../src/temporal/schedules.js';

const USAGE = 'usage: npm run schedules -- apply | list | pause <daily|weekly> | resume <daily|weekly> | trigger <daily|weekly>';
const config = loadConfigOrExit();
const orchestrator = new Orchestrator(config);
const [command, target] = process.argv.slice(2);

try {
  const client = await orchestrator.client();
  if (command === 'apply') {
    for (const r of await applySchedules(client, config, orchestrator)) console.log(`${r.id}: ${r.action}`);
  } else if (command === 'list') {
    const schedules = await listSchedules(client);
    if (!schedules.length) console.log('No schedules yet: run npm run schedules:apply (npm start applies them too).');
    for (const s of schedules) {
      console.log(
        `${s.id}  ${s.paused ? 'PAUSED' : 'active'}  cron "${s.cron}" (${s.timeZone})  next: ${s.nextRuns[0] ?? '-'}${s.note ? `  note: ${s.note}` : ''}`,
      );
      for (const r of s.recentRuns) console.log(`    ran ${r.scheduledAt} → ${r.workflowId}`);
    }
  } else if ((command === 'pause' || command === 'resume' || command === 'trigger') && (target === 'daily' || target === 'weekly')) {
    if (command === 'trigger') await triggerSchedule(client, target as ScheduleName);
    else await setSchedulePaused(client, target as ScheduleName, command === 'pause', `${command}d from the command line`);
    console.log(`${target}: ${command === 'trigger' ? 'triggered' : command === 'pause' ? 'paused' : 'resumed'}`);
  } else {
    console.error(USAGE);
    process.exit(2);
  }
  process.exit(0);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
