import { Route, Switch } from 'wouter';
import { useSession } from '../../auth/session';
import { AgentDetailPage } from './agent-detail.page';
import { AgentListPage } from './agent-list.page';
import { NewAgentPage } from './new-agent.page';
import './agents.css';

/** Agents: the list, a new agent (admins), and one agent's statistics, budget and start/stop (routes relative to /agents). */
export function AgentsSection() {
  const { isAdmin } = useSession();
  return (
    <Switch>
      <Route path="/">
        <AgentListPage />
      </Route>
      {isAdmin ? (
        <Route path="/new">
          <NewAgentPage />
        </Route>
      ) : null}
      <Route path="/:id">{(params) => <AgentDetailPage id={params.id} />}</Route>
    </Switch>
  );
}
