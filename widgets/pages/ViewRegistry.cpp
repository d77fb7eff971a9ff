#include "widgets/pages/ViewRegistry.h"

#include <algorithm>

namespace nl::widgets {

ViewRegistry& ViewRegistry::instance() {
  static ViewRegistry registry;
  return registry;
}

void ViewRegistry::add(std::unique_ptr<ViewProvider> provider) {
  remove(provider->id());
  providers_.push_back(std::move(provider));
}

bool ViewRegistry::remove(const std::string& id) {
  const auto it = std::find_if(providers_.begin(), providers_.end(),
                               [&](const auto& provider) { return provider->id() == id; });
  if (it == providers_.end()) return false;
  providers_.erase(it);
  return true;
}

const ViewProvider* ViewRegistry::find(const std::string& id) const {
  for (const auto& provider : providers_)
    if (provider->id() == id) return provider.get();
  return nullptr;
}

std::vector<const ViewProvider*> ViewRegistry::providers() const {
  std::vector<const ViewProvider*> all;
  for (const auto& provider : providers_) all.push_back(provider.get());
  return all;
}

ViewRegistry::Choice ViewRegistry::best(const io::Session& session,
                                        const std::vector<io::DatasetId>& offered,
                                        const std::vector<std::string>& declaredViews) const {
  Choice best;
  for (const auto& provider : providers_) {
    ViewMatch match = provider->match(session, offered);
    if (match.score <= 0) continue;
    if (std::find(declaredViews.begin(), declaredViews.end(), provider->id()) !=
        declaredViews.end())
      match.score = std::max(match.score, 100);
    // Ties go by id, so the choice never depends on registration order.
    if (match.score > best.match.score ||
        (match.score == best.match.score && provider->id() < best.provider->id()))
      best = {provider.get(), std::move(match)};
  }
  return best;
}

ViewRegistration::ViewRegistration(std::unique_ptr<ViewProvider> provider) {
  ViewRegistry::instance().add(std::move(provider));
}

}  // namespace nl::widgets
