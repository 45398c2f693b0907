import { Route, Switch } from 'wouter';
import { useSession } from '../../auth/session';
import { ProviderDetailPage } from './provider-detail.page';
import { ProviderCreatePage, ProviderEditPage } from './provider-edit.page';
import { ProvidersListPage } from './providers-list.page';

/** Providers: the list, a new provider, and one provider's detail and edit pages (routes relative to /providers). */
export function ProvidersSection() {
  const { isAdmin } = useSession();
  return (
    <Switch>
      <Route path="/" component={ProvidersListPage} />
      {isAdmin ? <Route path="/new" component={ProviderCreatePage} /> : null}
      {isAdmin ? <Route path="/:id/edit">{(params: { id: string }) => <ProviderEditPage id={params.id} />}</Route> : null}
      <Route path="/:id">{(params: { id: string }) => <ProviderDetailPage id={params.id} />}</Route>
    </Switch>
  );
}
